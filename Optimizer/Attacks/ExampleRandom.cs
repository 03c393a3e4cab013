namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The random draws of one example (noise, a random start, a random target), seeded by a run's seed
/// and the example's index in its data set, never by its position in a batch: an example gets the
/// same draws whatever the batch size, shard, resumed run or device.
/// </summary>
public static class ExampleRandom
{
    /// <summary>Draws of different purposes for the same example come from different streams.</summary>
    private const int TargetStream = 0x7A5C31;

    /// <summary>The generator of example <paramref name="index"/>'s noise or random start under <paramref name="seed"/>.</summary>
    public static Random For(int seed, int index) => new(Mix(seed, index));

    /// <summary>The generator of example <paramref name="index"/>'s random target under <paramref name="seed"/>.</summary>
    public static Random ForTarget(int seed, int index) => new(Mix(Mix(seed, index), TargetStream));

    /// <summary>One N(0, 1) draw by Box–Muller.</summary>
    public static double StandardNormal(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        double u1 = 1.0 - rng.NextDouble(); // (0, 1]: log stays finite
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A deterministic mix of two ints (SplitMix64's finaliser; HashCode is randomised per process).</summary>
    public static int Mix(int seed, int index)
    {
        ulong z = (uint)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)index + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)(z ^ (z >> 31));
    }
}
