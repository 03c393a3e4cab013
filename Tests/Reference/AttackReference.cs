namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>The attack kernels' definitions in plain float64: the untargeted loss, and projections onto an ε-ball ∩ [0, 1]ⁿ.</summary>
internal static class AttackReference
{
    /// <summary>−log(1 − softmax(z)[label]) = logsumexp(z) − logsumexp(z without the label).</summary>
    public static double AvoidLabelLoss(double[] z, int label)
    {
        double all = LogSumExp(z.Select((v, k) => (v, k)).Select(t => t.v));
        double others = LogSumExp(z.Where((_, k) => k != label));
        return all - others;
    }

    /// <summary>The gradient of <see cref="AvoidLabelLoss"/>: softmax(z) − softmax over the other classes (0 at the label).</summary>
    public static double[] AvoidLabelGradient(double[] z, int label)
    {
        double all = LogSumExp(z), others = LogSumExp(z.Where((_, k) => k != label));
        return z.Select((v, k) => Math.Exp(v - all) - (k == label ? 0 : Math.Exp(v - others))).ToArray();
    }

    /// <summary>The objective c·‖x′ − x‖² + loss of one problem on a float64 model; target −1 is untargeted.</summary>
    public static double Objective(ModelReference model, double[] adversarial, double[] original, double c, int label, int target)
    {
        double sum = 0;
        for (int i = 0; i < adversarial.Length; i++) sum += (adversarial[i] - original[i]) * (adversarial[i] - original[i]);
        var z = model.Logits(adversarial);
        double loss = target < 0 ? AvoidLabelLoss(z, label) : ModelReference.CrossEntropy(z, target);
        return c * sum + loss;
    }

    /// <summary>
    /// The projection of v onto {‖v′ − x‖₂ ≤ ε} ∩ [0, 1]ⁿ solved exactly, differently from the kernel's
    /// bisection: r = clamp(s·(v − x), −x, 1 − x), where ‖r(s)‖² is piecewise quadratic in s with a
    /// breakpoint where each component reaches its bound; walk the sorted breakpoints to the piece
    /// where ‖r‖ = ε and solve that quadratic.
    /// </summary>
    public static double[] ProjectL2(double[] v, double[] x, double epsilon)
    {
        int n = v.Length;
        var d = new double[n];
        var bound = new double[n];
        var reach = new double[n];
        for (int k = 0; k < n; k++)
        {
            d[k] = v[k] - x[k];
            bound[k] = d[k] > 0 ? 1 - x[k] : -x[k];
            reach[k] = d[k] == 0 ? double.PositiveInfinity : bound[k] / d[k];
        }
        double Norm2(double s) => Enumerable.Range(0, n).Sum(k => Math.Pow(Math.Clamp(s * d[k], -x[k], 1 - x[k]), 2));
        double scale = 1;
        if (Norm2(1) > epsilon * epsilon)
        {
            var order = Enumerable.Range(0, n).OrderBy(k => reach[k]).ToArray();
            double free = d.Sum(t => t * t), clamped = 0, previous = 0;
            foreach (int k in order.Append(-1))
            {
                double next = k < 0 ? double.PositiveInfinity : reach[k];
                // On [previous, next] the unclamped components contribute s²·free.
                double s = free > 0 ? Math.Sqrt(Math.Max(0, epsilon * epsilon - clamped) / free) : double.PositiveInfinity;
                if (s >= previous && s <= next)
                {
                    scale = s;
                    break;
                }
                if (k < 0) break;
                free -= d[k] * d[k];
                clamped += bound[k] * bound[k];
                previous = next;
            }
        }
        return Enumerable.Range(0, n).Select(k => x[k] + Math.Clamp(scale * d[k], -x[k], 1 - x[k])).ToArray();
    }

    private static double LogSumExp(IEnumerable<double> values)
    {
        var a = values.ToArray();
        double max = a.Max();
        return max + Math.Log(a.Sum(v => Math.Exp(v - max)));
    }
}
