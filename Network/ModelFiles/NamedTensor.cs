namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>
/// A host-side float32 tensor with the name it has in a model file, row-major (last dimension
/// fastest). A scalar has an empty shape and one value.
/// </summary>
/// <param name="Name">The name in the file, e.g. <c>0.weight</c>.</param>
/// <param name="Shape">The dimensions, slowest first.</param>
/// <param name="Data">The values, row-major; as many as the product of <paramref name="Shape"/>.</param>
public sealed record NamedTensor(string Name, int[] Shape, float[] Data)
{
    /// <summary>The shape as text, e.g. "[32, 1, 5, 5]".</summary>
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
