using ILGPU;

namespace IlgpuBlindSpots.Optimizer;

/// <summary>
/// P independent objectives fᵖ: ℝⁿ → ℝ evaluated together on the device, as
/// <see cref="ProjectedLbfgs"/> needs them.
/// </summary>
public interface IBatchObjective
{
    /// <summary>
    /// For every problem p with <c>active[p] != 0</c>: value[p] = fᵖ(x[p]) and gradient[p] = ∇fᵖ(x[p]),
    /// computed on the device without reading anything back. x and gradient have the shape the
    /// optimizer was given (batch first, n values per row), value is [P]. Rows of inactive problems
    /// may be skipped and left holding anything; x must not be modified.
    /// </summary>
    void Evaluate(Tensor x, Tensor value, Tensor gradient, ArrayView<int> active);
}
