namespace IlgpuBlindSpots.Cli.Reproduction;

/// <summary>
/// How big a reproduction is: the models of Tables 1–2 and of Tables 3–4 with their training
/// data, and how many test examples every model is attacked on.
/// </summary>
/// <param name="Label">Shown at the top of the report; says plainly when the run is not the paper's size.</param>
internal sealed record ReproductionProfile(string Name, string Label, IReadOnlyList<ModelRecipe> Table1, IReadOnlyList<ModelRecipe> Table3,
    int AttackCount, int AttackBatch)
{
    /// <summary>
    /// The paper's sizes: every model on the full training set with the presets' recipes (the
    /// models committed under models/ were trained so and are reused when present), Tables 3–4 on
    /// the two halves P1 and P2 of the training set; 1,000 test digits attacked per model (the paper
    /// does not say how many it attacked).
    /// </summary>
    public static ReproductionProfile Full { get; } = new("full",
        "full profile: the paper's architectures on the whole training set (P1/P2 = the two halves), 1,000 test examples attacked per model",
        PaperModels(range: null, epochs: null),
        HalfModels("0:30000", "30000:30000", epochs: 20), AttackCount: 1000, AttackBatch: 1000);

    /// <summary>Minutes on a 2-core CPU: 10,000 training examples, 6 to 20 epochs, 300 attacked.</summary>
    public static ReproductionProfile Quick { get; } = new("quick",
        "QUICK profile: models trained on the first 10,000 training examples for 6 to 20 epochs (P1/P2 = 5,000 each), 300 test examples attacked per model; the numbers show the effects, not the paper's setting",
        [
            new("fc10-1e-4", "FC10(1e-4)", "fc10-1e-4", "0:10000", 10),
            new("fc10-1e-2", "FC10(1e-2)", "fc10-1e-2", "0:10000", 10),
            new("fc10-1", "FC10(1)", "fc10-1", "0:10000", 10),
            new("fc100-100-10", "FC100-100-10", "fc100-100-10", "0:10000", 15),
            new("fc200-200-10", "FC200-200-10", "fc200-200-10", "0:10000", 12),
            new("ae400-10", "AE400-10", "ae400-10", "0:10000", 6),
        ],
        HalfModels("0:5000", "5000:5000", epochs: 20), AttackCount: 300, AttackBatch: 300);

    /// <summary>Seconds of work, for tests: every stage runs, on a few hundred examples.</summary>
    public static ReproductionProfile Tiny { get; } = new("tiny",
        "TINY profile: a smoke test of the pipeline on 1,000 training examples, 3 epochs (the sigmoid networks with Adam), 12 attacked; the numbers mean little",
        PaperModels("0:1000", 3).Select(m => m.Preset == "fc100-100-10" || m.Preset == "fc200-200-10" ? m with { Optimizer = "adam", LearningRate = 0.01 } : m).ToArray(),
        HalfModels("0:500", "500:500", epochs: 3).Select(m => m with { Optimizer = "adam", LearningRate = 0.01 }).ToArray(),
        AttackCount: 12, AttackBatch: 12);

    public static IReadOnlyList<ReproductionProfile> All { get; } = [Quick, Full, Tiny];

    public IEnumerable<ModelRecipe> Models => Table1.Concat(Table3);

    private static ModelRecipe[] PaperModels(string? range, int? epochs) =>
    [
        new("fc10-1e-4", "FC10(1e-4)", "fc10-1e-4", range, epochs),
        new("fc10-1e-2", "FC10(1e-2)", "fc10-1e-2", range, epochs),
        new("fc10-1", "FC10(1)", "fc10-1", range, epochs),
        new("fc100-100-10", "FC100-100-10", "fc100-100-10", range, epochs),
        new("fc200-200-10", "FC200-200-10", "fc200-200-10", range, epochs),
        new("ae400-10", "AE400-10", "ae400-10", range, epochs),
    ];

    /// <summary>
    /// Tables 3–4 by role: FC100-100-10 on P1, the same on P1 with another seed (the paper's second
    /// P1 model was an FC123-456-10), and FC100-100-10 on P2.
    /// </summary>
    private static ModelRecipe[] HalfModels(string p1, string p2, int epochs) =>
    [
        new("fc100-100-10-p1", "FC100-100-10 on P1", "fc100-100-10", p1, epochs, Seed: 1),
        new("fc100-100-10-p1-seed2", "FC123-456-10 on P1", "fc100-100-10", p1, epochs, Seed: 2),
        new("fc100-100-10-p2", "FC100-100-10' on P2", "fc100-100-10", p2, epochs, Seed: 1),
    ];
}
