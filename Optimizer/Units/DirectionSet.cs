namespace IlgpuBlindSpots.Optimizer.Units;

/// <summary>
/// Directions in the activation space of a layer, as rows of a matrix [Count, units] of unit
/// length, with what each one is.
/// </summary>
/// <remarks>
/// The paper compares the images that maximise ⟨φ(x), eᵢ⟩ (a unit's own activation) with those
/// that maximise ⟨φ(x), v⟩ for a random v. When a layer has more units than directions are asked
/// for, a seeded random subset of units is taken rather than the first ones: the units of a
/// flattened convolution are stored channel by channel, and the first ones would all come from
/// one or two channels.
/// </remarks>
internal sealed class DirectionSet
{
    private DirectionSet(DirectionKind kind, int units, float[] rows, int[] labels)
    {
        Kind = kind;
        Units = units;
        Rows = rows;
        Numbers = labels;
    }

    /// <summary>Natural or random.</summary>
    public DirectionKind Kind { get; }

    /// <summary>The dimension of the activation space.</summary>
    public int Units { get; }

    /// <summary>How many directions.</summary>
    public int Count => Numbers.Count;

    /// <summary>The directions, row-major [Count, Units], each of unit L2 norm.</summary>
    public float[] Rows { get; }

    /// <summary>Per direction: the unit i of eᵢ, or the random direction's number 0..Count − 1.</summary>
    public IReadOnlyList<int> Numbers { get; }

    /// <summary>
    /// Basis vectors eᵢ: every unit when there are at most <paramref name="count"/>, otherwise
    /// <paramref name="count"/> units drawn without replacement with <paramref name="seed"/>, in
    /// increasing order.
    /// </summary>
    public static DirectionSet Natural(int units, int count, int seed)
    {
        Check(units, count);
        int[] chosen;
        if (units <= count)
            chosen = Enumerable.Range(0, units).ToArray();
        else
        {
            var all = Enumerable.Range(0, units).ToArray();
            new System.Random(seed).Shuffle(all);
            chosen = all[..count];
            Array.Sort(chosen);
        }
        var rows = new float[chosen.Length * units];
        for (int d = 0; d < chosen.Length; d++) rows[d * units + chosen[d]] = 1f;
        return new DirectionSet(DirectionKind.Natural, units, rows, chosen);
    }

    /// <summary>
    /// <paramref name="count"/> random directions, uniform on the sphere: standard Gaussian
    /// components (Box–Muller from a <see cref="System.Random"/> with <paramref name="seed"/>),
    /// divided by their norm in float64.
    /// </summary>
    public static DirectionSet Random(int units, int count, int seed)
    {
        Check(units, count);
        // A different stream from the natural units' subset, even for the same seed.
        var rng = new System.Random(unchecked(seed * 7919 + 104729));
        var rows = new float[count * units];
        var v = new double[units];
        for (int d = 0; d < count; d++)
        {
            double norm2 = 0;
            for (int i = 0; i < units; i++)
            {
                double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
                v[i] = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
                norm2 += v[i] * v[i];
            }
            double scale = 1.0 / Math.Sqrt(norm2);
            for (int i = 0; i < units; i++) rows[d * units + i] = (float)(v[i] * scale);
        }
        return new DirectionSet(DirectionKind.Random, units, rows, Enumerable.Range(0, count).ToArray());
    }

    private static void Check(int units, int count)
    {
        if (units < 1) throw new ArgumentOutOfRangeException(nameof(units), units, "a layer needs at least one unit");
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "at least one direction");
    }
}
