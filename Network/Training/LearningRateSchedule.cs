namespace IlgpuBlindSpots.Network.Training;

/// <summary>How the learning rate changes over a run.</summary>
public enum LearningRateSchedule
{
    /// <summary>The base rate throughout.</summary>
    Constant,
    /// <summary>Cosine decay per batch from the base rate to zero at the end of the last epoch.</summary>
    Cosine,
    /// <summary>The base rate, then ×0.1 from the second third of the epochs and ×0.01 from the last third.</summary>
    Step,
}

internal static class LearningRates
{
    /// <summary>The rate for batch <paramref name="step"/> (from 0) of <paramref name="totalSteps"/>, in epoch <paramref name="epoch"/> of <paramref name="epochs"/>.</summary>
    public static double At(LearningRateSchedule schedule, double baseRate, long step, long totalSteps, int epoch, int epochs) => schedule switch
    {
        LearningRateSchedule.Constant => baseRate,
        LearningRateSchedule.Cosine => baseRate * 0.5 * (1 + Math.Cos(Math.PI * step / Math.Max(1, totalSteps))),
        LearningRateSchedule.Step => baseRate * Math.Pow(0.1, Math.Min(2, 3 * epoch / Math.Max(1, epochs))),
        _ => throw new ArgumentOutOfRangeException(nameof(schedule)),
    };
}
