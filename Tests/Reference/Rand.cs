namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>Seeded random test data, so a failing case can be run again.</summary>
internal static class Rand
{
    public static float[] Uniform(int seed, int count, float lo = -1f, float hi = 1f)
    {
        var rng = new Random(seed);
        var a = new float[count];
        for (int i = 0; i < a.Length; i++) a[i] = lo + (hi - lo) * (float)rng.NextDouble();
        return a;
    }
}
