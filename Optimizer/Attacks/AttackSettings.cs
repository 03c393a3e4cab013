namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Settings of an attack configured by a record (<see cref="Attack{TOptions}"/>): the device batch
/// every attack has, the attack's own settings in the derived record, and their range checks, each
/// failing with one line that names the attack, the option, its value and the range.
/// </summary>
public abstract record AttackSettings
{
    /// <summary>Examples attacked together on the device.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>The attack's short name in messages ("DDN", "C&amp;W").</summary>
    protected abstract string AttackName { get; }

    /// <summary>Throws a <see cref="BlindSpotsException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        CheckSettings();
        AtLeast(nameof(BatchSize), BatchSize, 1);
    }

    /// <summary>The attack's own range checks, in the order its options are listed.</summary>
    protected abstract void CheckSettings();

    /// <summary>Fails unless <paramref name="ok"/>: "{attack} option {name} = {value} is out of range: it must be {range}".</summary>
    protected void Require(bool ok, string name, object value, string range)
    {
        if (!ok) throw new BlindSpotsException($"{AttackName} option {name} = {value} is out of range: it must be {range}");
    }

    /// <summary>A count of at least <paramref name="min"/> (0 reads "0 or more").</summary>
    protected void AtLeast(string name, int value, int min) =>
        Require(value >= min, name, value, min == 0 ? "0 or more" : $"at least {min}");

    /// <summary>A finite value above 0.</summary>
    protected void Positive(string name, double value) =>
        Require(value > 0 && double.IsFinite(value), name, value, "positive");

    /// <summary>A factor in the open interval (0, 1).</summary>
    protected void Fraction(string name, double value) =>
        Require(value > 0 && value < 1, name, value, "in (0, 1)");
}
