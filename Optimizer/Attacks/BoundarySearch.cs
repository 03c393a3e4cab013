using ILGPU;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Brings each successful problem of a <see cref="MinimalNormState"/> to the decision boundary
/// along its own perturbation: a bisection on s ∈ [0, 1] for the smallest s with x + s·r still
/// adversarial, r its best perturbation, by forward passes only. The perturbation shrinks by the
/// factor s at no risk: every tried point is checked by the model, and the state keeps the smallest
/// success (<see cref="BestAdversarial"/>).
/// </summary>
internal static class BoundarySearch
{
    /// <summary>
    /// <paramref name="steps"/> halvings; afterwards each successful problem's iterate is its
    /// boundary point (the smallest adversarial scale found) and the others keep theirs.
    /// </summary>
    public static void Run(MinimalNormState state, int steps)
    {
        int count = state.Count, n = state.Length;
        var device = state.Device;
        var interpolate = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(
            BoundaryBisection.Interpolate);
        int[] ever = MinimalNormState.Read(state.EverSucceeded);
        float[] best = state.Best.ToArray(), last = state.Adversarial.ToArray();
        var endpoints = new float[count * n];
        for (int p = 0; p < count; p++)
            (ever[p] != 0 ? best : last).AsSpan(p * n, n).CopyTo(endpoints.AsSpan(p * n, n));
        using var endpoint = Tensor.FromArray(device, endpoints, [count, .. state.Loss.Model.InputShape]);
        var lo = new float[count];
        var hi = new float[count];
        Array.Fill(hi, 1f);
        var scales = new float[count];
        using var scale = Tensor.Zeros(device, count);
        var elements = device.Split(count * n);
        for (int step = 0; step < steps; step++)
        {
            for (int p = 0; p < count; p++) scales[p] = ever[p] != 0 ? 0.5f * (lo[p] + hi[p]) : 1f;
            scale.CopyFrom(scales);
            interpolate(elements.Threads, elements, state.Adversarial.View, state.Original.View, endpoint.View, scale.View, n);
            state.Check();
            int[] reached = MinimalNormState.Read(state.Succeeded);
            for (int p = 0; p < count; p++)
                if (reached[p] != 0) hi[p] = scales[p];
                else lo[p] = scales[p];
        }
        for (int p = 0; p < count; p++) scales[p] = ever[p] != 0 ? hi[p] : 1f;
        scale.CopyFrom(scales);
        interpolate(elements.Threads, elements, state.Adversarial.View, state.Original.View, endpoint.View, scale.View, n);
    }
}
