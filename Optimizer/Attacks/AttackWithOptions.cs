namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// An attack configured by an options record: made with the options or the record's defaults,
/// which are validated at once, and run in device batches of the options' <see cref="AttackSettings.BatchSize"/>.
/// </summary>
public abstract class Attack<TOptions> : Attack where TOptions : AttackSettings, new()
{
    /// <summary>The attack with <paramref name="options"/>, or the defaults.</summary>
    /// <exception cref="Network.BlindSpotsException">An option is out of range.</exception>
    protected Attack(TOptions? options) : base((options ?? new TOptions()).BatchSize)
    {
        Options = options ?? new TOptions();
        Options.Validate();
    }

    /// <summary>The validated options.</summary>
    public TOptions Options { get; }
}
