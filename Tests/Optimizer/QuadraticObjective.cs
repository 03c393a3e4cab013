using IlgpuBlindSpots.Optimizer;
using ILGPU;

namespace IlgpuBlindSpots.Tests.Optimizer;

/// <summary>
/// P problems f = ½(x − c)ᵀA(x − c) with A [P, n, n] symmetric positive definite; the host keeps
/// copies for the float64 references.
/// </summary>
internal sealed class QuadraticObjective : IBatchObjective, IDisposable
{
    private readonly ComputeDevice device;
    private readonly Tensor a, c;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>,
        ArrayView<float>, ArrayView<float>, int> kernel;

    public QuadraticObjective(ComputeDevice device, float[] matrices, float[] centres, int problems, int n)
    {
        this.device = device;
        Matrices = matrices;
        Centres = centres;
        Problems = problems;
        N = n;
        a = Tensor.FromArray(device, matrices, problems, n, n);
        c = Tensor.FromArray(device, centres, problems, n);
        kernel = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>,
            ArrayView<float>, ArrayView<float>, int>(AnalyticObjectives.Quadratic);
    }

    public float[] Matrices { get; }
    public float[] Centres { get; }
    public int Problems { get; }
    public int N { get; }

    /// <summary>Diagonal Hessians: A = diag(curvatures[p]).</summary>
    public static QuadraticObjective Diagonal(ComputeDevice device, float[] curvatures, float[] centres, int problems, int n)
    {
        var m = new float[problems * n * n];
        for (int p = 0; p < problems; p++)
            for (int i = 0; i < n; i++)
                m[(p * n + i) * n + i] = curvatures[p * n + i];
        return new QuadraticObjective(device, m, centres, problems, n);
    }

    /// <summary>A = BᵀB/n + shift·I with B uniform in [−1, 1]: dense, coupled, positive definite.</summary>
    public static QuadraticObjective Coupled(ComputeDevice device, int seed, float[] centres, int problems, int n, float shift)
    {
        var b = Reference.Rand.Uniform(seed, problems * n * n);
        var m = new float[problems * n * n];
        for (int p = 0; p < problems; p++)
            for (int i = 0; i < n; i++)
                for (int k = 0; k < n; k++)
                {
                    double sum = i == k ? shift : 0;
                    for (int r = 0; r < n; r++)
                        sum += (double)b[(p * n + r) * n + i] * b[(p * n + r) * n + k] / n;
                    m[(p * n + i) * n + k] = (float)sum;
                }
        return new QuadraticObjective(device, m, centres, problems, n);
    }

    /// <summary>The objective restricted to one problem, for solving it alone.</summary>
    public QuadraticObjective Single(int p) =>
        new(device, Matrices.AsSpan(p * N * N, N * N).ToArray(), Centres.AsSpan(p * N, N).ToArray(), 1, N);

    public void Evaluate(Tensor x, Tensor value, Tensor gradient, ArrayView<int> active)
    {
        var s = device.Split(Problems);
        kernel(s.Threads, s, x.View, value.View, gradient.View, active, a.View, c.View, N);
    }

    /// <summary>Host float64 value and gradient of problem p.</summary>
    public double ValueAndGradient(int p, double[] x, double[] gradient)
    {
        double f = 0;
        for (int i = 0; i < N; i++)
        {
            double gi = 0;
            for (int k = 0; k < N; k++)
                gi += Matrices[(p * N + i) * N + k] * (x[k] - Centres[p * N + k]);
            gradient[i] = gi;
            f += 0.5 * (x[i] - Centres[p * N + i]) * gi;
        }
        return f;
    }

    public void Dispose()
    {
        a.Dispose();
        c.Dispose();
    }
}
