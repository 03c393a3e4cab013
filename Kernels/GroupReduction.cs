using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Sums and maxima over the lanes of one thread group, for kernels that give a whole group to one
/// problem: each lane's partial goes to shared memory and a fixed binary tree combines them, so a
/// result depends on the group size only, never on timing (the order is the same every run).
/// Every lane of the group must call these, in the same order: they contain barriers.
/// </summary>
/// <remarks>The group size must be a power of two, at most <see cref="MaxLanes"/>; scratch holds
/// at least 3·<see cref="MaxLanes"/> values.</remarks>
public static class GroupReduction
{
    /// <summary>The largest group these reductions serve: it sizes the kernels' shared memory.</summary>
    public const int MaxLanes = 256;

    /// <summary>The sum of every lane's <paramref name="v"/>, returned to every lane.</summary>
    public static double Sum(ArrayView<double> scratch, double v)
    {
        int lane = Group.IdxX;
        scratch[lane] = v;
        Group.Barrier();
        for (int half = Group.DimX / 2; half > 0; half /= 2)
        {
            if (lane < half) scratch[lane] += scratch[lane + half];
            Group.Barrier();
        }
        double total = scratch[0];
        // Nobody may overwrite scratch[0] for the next reduction before every lane has read it.
        Group.Barrier();
        return total;
    }

    /// <summary>Three sums at once (one tree, one set of barriers), returned to every lane.</summary>
    public static (double A, double B, double C) Sum3(ArrayView<double> scratch, double a, double b, double c)
    {
        int lane = Group.IdxX, lanes = Group.DimX;
        scratch[lane] = a;
        scratch[lanes + lane] = b;
        scratch[2 * lanes + lane] = c;
        Group.Barrier();
        for (int half = lanes / 2; half > 0; half /= 2)
        {
            if (lane < half)
            {
                scratch[lane] += scratch[lane + half];
                scratch[lanes + lane] += scratch[lanes + lane + half];
                scratch[2 * lanes + lane] += scratch[2 * lanes + lane + half];
            }
            Group.Barrier();
        }
        var total = (scratch[0], scratch[lanes], scratch[2 * lanes]);
        Group.Barrier();
        return total;
    }

    /// <summary>The largest lane value, NaN if any lane's is NaN, returned to every lane.</summary>
    public static double MaxPropagatingNaN(ArrayView<double> scratch, double v)
    {
        int lane = Group.IdxX;
        scratch[lane] = v;
        Group.Barrier();
        for (int half = Group.DimX / 2; half > 0; half /= 2)
        {
            if (lane < half) scratch[lane] = Lbfgs.MaxPropagatingNaN(scratch[lane], scratch[lane + half]);
            Group.Barrier();
        }
        double max = scratch[0];
        Group.Barrier();
        return max;
    }
}
