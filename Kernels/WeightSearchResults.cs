using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Everything the host needs from a finished device weight search (<see cref="WeightSearchSteps"/>)
/// packed into one float64 buffer, so that the end of a batch costs a single read instead of one
/// per buffer. Float64 holds every int field and every float32 element exactly.
/// </summary>
/// <remarks>
/// packed [P, <see cref="Fields"/> + n]: problem p's record starts at p·(Fields + n); its n last
/// values are the row the attack reports: the kept success when one was found, else the latest
/// solution (an example that never succeeded reports its last attempt).
/// </remarks>
public static class WeightSearchResults
{
    /// <summary>The AttackStopReason value of why the search ended.</summary>
    public const int Stop = 0;
    /// <summary>Accepted L-BFGS steps over all solves.</summary>
    public const int Iterations = 1;
    /// <summary>Objective evaluations over all solves.</summary>
    public const int Evaluations = 2;
    /// <summary>1 when a solution reached the goal.</summary>
    public const int Found = 3;
    /// <summary>The solver's stop status of the reported row's solve.</summary>
    public const int SolverStop = 4;
    /// <summary>The c of the kept success; NaN when none.</summary>
    public const int Weight = 5;
    /// <summary>Values before the row in each record.</summary>
    public const int Fields = 6;

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
            bool found = searchInt[WeightSearchSteps.Found * problems + p] != 0;
            int i = p * settings.Dimension + k - Fields;
            packed[e] = k >= Fields
                ? (found ? best[i] : x[i])
                : Field(k, p, problems, found, searchInt, searchReal);
        }
    }

    /// <summary>Field k of problem p's record.</summary>
    private static double Field(int k, int p, int problems, bool found, ArrayView<int> searchInt, ArrayView<double> searchReal)
    {
        if (k == Stop) return searchInt[WeightSearchSteps.Stop * problems + p];
        if (k == Iterations) return searchInt[WeightSearchSteps.Iterations * problems + p];
        if (k == Evaluations) return searchInt[WeightSearchSteps.Evaluations * problems + p];
        // Written as doubles: ILGPU 1.5.3's OpenCL backend returned the int select 1 : 0 by its bits.
        if (k == Found) return found ? 1.0 : 0.0;
        if (k == SolverStop)
            return searchInt[(found ? WeightSearchSteps.BestSolverStop : WeightSearchSteps.LatestSolverStop) * problems + p];
        return found ? searchReal[WeightSearchSteps.BestWeight * problems + p] : double.NaN;
    }
}
