namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The float64 fields of each problem's device weight search (<see cref="WeightSearchSteps"/>): the
/// rows of searchReal, field-major [<see cref="WeightSearchSteps.RealFields"/>, P], in this order.
/// The count is taken from the last member, Weight: a field added after it must be named there.
/// </summary>
public enum SearchRealField
{
    /// <summary>The largest c known to succeed; 0 when none has.</summary>
    Succeeded,
    /// <summary>The smallest c above Succeeded known to fail; +∞ when none has.</summary>
    Failed,
    /// <summary>The size of the kept success; +∞ when none.</summary>
    BestSize,
    /// <summary>The c of the kept success.</summary>
    BestWeight,
    /// <summary>The c of the solve in progress.</summary>
    Weight,
}
