using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Everything the host needs from a finished device weight search (<see cref="WeightSearchSteps"/>)
/// packed into one float64 buffer, so that the end of a batch costs a single read instead of one
/// per buffer. Float64 holds every int field and every float32 element exactly.
/// </summary>
/// <remarks>
/// packed [P, <see cref="Fields"/> + n]: problem p's record starts at p·(Fields + n): first its
/// search state as it stands, the <see cref="SearchIntField"/> values in their order, then the
/// <see cref="SearchRealField"/> values from <see cref="Reals"/> on; its n last values are the row
/// the attack reports: the kept success when one was found, else the latest solution (an example
/// that never succeeded reports its last attempt).
/// </remarks>
public static class WeightSearchResults
{
    /// <summary>Where the <see cref="SearchRealField"/> values start in each record.</summary>
    public const int Reals = WeightSearchSteps.IntFields;
    /// <summary>Values before the row in each record.</summary>
    public const int Fields = WeightSearchSteps.IntFields + WeightSearchSteps.RealFields;

    /// <summary>
    /// Writes every record from the search's state (searchInt, searchReal), the latest solutions x
    /// and the kept successes best. Items: P·(Fields + n), one value each, so neighbouring threads
    /// write neighbouring addresses on a GPU.
    /// </summary>
    public static void Pack(Index1D t, WorkSplit s, WeightSearchSettings settings,
        ArrayView<int> searchInt, ArrayView<double> searchReal, ArrayView<float> x, ArrayView<float> best, ArrayView<double> packed)
    {
        int record = Fields + settings.Dimension, problems = settings.Problems;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int e = s.Item(t, j);
            if (e >= s.Count) return;
            int p = e / record, k = e - p * record;
            int i = p * settings.Dimension + k - Fields;
            if (k < Reals) packed[e] = searchInt[k * problems + p];
            else if (k < Fields) packed[e] = searchReal[(k - Reals) * problems + p];
            else packed[e] = searchInt[(int)SearchIntField.Found * problems + p] != 0 ? best[i] : x[i];
        }
    }
}
