namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>Element-wise comparison of a float32 result against a float64 reference.</summary>
internal static class Compare
{
    /// <summary>|actual − expected| ≤ atol + rtol·|expected| everywhere; the message names the first offender.</summary>
    public static void Close(double[] expected, float[] actual, double rtol = 1e-4, double atol = 1e-5, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(actual[i] - expected[i]);
            if (!(err <= atol + rtol * Math.Abs(expected[i])))
                Assert.Fail($"{what} element {i}: expected {expected[i]:R}, got {actual[i]:R} (error {err:E2})");
        }
    }
}
