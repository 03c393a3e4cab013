namespace IlgpuBlindSpots.Optimizer.Analysis;

/// <summary>One row of a <see cref="LipschitzBoundTable"/>: the Lipschitz bound of one layer in L2.</summary>
/// <param name="Position">1-based position of the layer in the model.</param>
/// <param name="Layer">The layer as the architecture spec writes it, e.g. <c>conv:64x11x11s4p2</c>.</param>
/// <param name="Size">As the paper's Table 5 writes it: C×KH×KW×O for a convolution, in×out for a fully connected layer, the window for max-pooling; empty otherwise.</param>
/// <param name="Stride">The layer's stride (for a strided convolution with a note that the bound is the stride-1 one), N/A for a fully connected layer, empty otherwise.</param>
/// <param name="UpperBound">The layer's Lipschitz constant or an upper bound on it.</param>
/// <param name="Method">How the number was obtained, in words.</param>
/// <param name="Iterations">Power iterations taken (the most over frequencies for a convolution); 0 when none were needed.</param>
/// <param name="Converged">Whether the power iteration met its tolerance; true when none was needed.</param>
public sealed record LayerBound(int Position, string Layer, string Size, string Stride, double UpperBound, string Method,
    int Iterations, bool Converged);
