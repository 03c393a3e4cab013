namespace IlgpuBlindSpots.Cli.Reproduction;

/// <summary>
/// The MNIST figures of Szegedy et al., "Intriguing properties of neural networks" (ICLR 2014,
/// arXiv:1312.6199v4), Tables 1–4, as rates in [0, 1] and distortions √(Σr²/n), keyed by the paper's
/// model names. The report puts each beside the number measured here.
/// </summary>
internal static class PaperNumbers
{
    /// <summary>Table 1: training error, test error, average minimal distortion.</summary>
    public static readonly IReadOnlyDictionary<string, (double Train, double Test, double Distortion)> Table1 =
        new Dictionary<string, (double, double, double)>
        {
            ["FC10(1e-4)"] = (0.067, 0.074, 0.062),
            ["FC10(1e-2)"] = (0.10, 0.094, 0.10),
            ["FC10(1)"] = (0.212, 0.20, 0.14),
            ["FC100-100-10"] = (0.0, 0.0164, 0.058),
            ["FC200-200-10"] = (0.0, 0.0154, 0.065),
            ["AE400-10"] = (0.0057, 0.019, 0.086),
        };

    /// <summary>Table 2's columns, in order.</summary>
    public static readonly string[] Table2Models = ["FC10(1e-4)", "FC10(1e-2)", "FC10(1)", "FC100-100-10", "FC200-200-10", "AE400-10"];

    /// <summary>Table 2: error rate the examples made for the row model induce on each column model.</summary>
    public static readonly IReadOnlyDictionary<string, double[]> Table2 = new Dictionary<string, double[]>
    {
        ["FC10(1e-4)"] = [1.0, 0.117, 0.227, 0.02, 0.039, 0.027],
        ["FC10(1e-2)"] = [0.871, 1.0, 0.352, 0.359, 0.273, 0.098],
        ["FC10(1)"] = [0.719, 0.762, 1.0, 0.481, 0.47, 0.344],
        ["FC100-100-10"] = [0.289, 0.137, 0.211, 1.0, 0.066, 0.02],
        ["FC200-200-10"] = [0.382, 0.14, 0.238, 0.203, 1.0, 0.027],
        ["AE400-10"] = [0.234, 0.16, 0.248, 0.094, 0.066, 1.0],
        ["noise 0.1"] = [0.05, 0.101, 0.183, 0.0, 0.0, 0.008],
        ["noise 0.3"] = [0.156, 0.113, 0.227, 0.05, 0.043, 0.031],
    };

    /// <summary>
    /// Table 3's models by their role: two networks trained on P1 (the paper's FC100-100-10 and
    /// FC123-456-10) and one on P2 (its FC100-100-10'): training error, test error, distortion.
    /// </summary>
    public static readonly (string Name, double Train, double Test, double Distortion)[] Table3 =
    [
        ("FC100-100-10 on P1", 0.0, 0.024, 0.062),
        ("FC123-456-10 on P1", 0.0, 0.025, 0.059),
        ("FC100-100-10' on P2", 0.0, 0.022, 0.058),
    ];

    /// <summary>Table 4, rows by role (P1 model, second P1 model, P2 model), columns in the same order.</summary>
    public static readonly IReadOnlyDictionary<string, double[]> Table4 = new Dictionary<string, double[]>
    {
        ["set 0"] = [1.0, 0.262, 0.059],
        ["set 1"] = [0.0625, 1.0, 0.051],
        ["set 2"] = [0.082, 0.082, 1.0],
        ["amplified 0"] = [1.0, 0.98, 0.43],
        ["amplified 1"] = [0.96, 1.0, 0.22],
        ["amplified 2"] = [0.27, 0.50, 1.0],
        ["noise 0.06"] = [0.022, 0.026, 0.024],
        ["noise 0.1"] = [0.026, 0.028, 0.027],
    };
}
