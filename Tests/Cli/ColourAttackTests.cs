using IlgpuBlindSpots.Cli.Commands;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// An attack on colour images of a size other than the digits': the Figure 5 grid, the per-example
/// PNGs and the report come out in colour, at the images' own size.
/// </summary>
public sealed class ColourAttackTests : IDisposable
{
    private readonly TempFolder folder = new();
    private const int H = 9, W = 13, Images = 5;

    public void Dispose() => folder.Dispose();

    [Fact]
    public void ColourImagesGiveColourFigurePngsAndReport()
    {
        string model = folder.File("colour.safetensors");
        using (var m = SequentialModel.Create(TestDevice.Current, "norm:0.5;0.4;0.3/0.25;0.2;0.3,conv:4x3x3p1,relu,fc:5", [3, H, W]))
        {
            m.Initialize(7);
            ModelFile.Save(model, m);
        }
        string images = folder.File("photos");
        Directory.CreateDirectory(images);
        var rng = new Random(11);
        for (int i = 0; i < Images; i++)
            PngImages.WriteGrid(Path.Combine(images, $"p{i}.png"), Enumerable.Range(0, 3 * H * W).Select(_ => rng.Next(256) / 255f).ToArray(), 1, 3, H, W, 1);

        string outFolder = folder.File("out");
        var (code, stdout, stderr) = CliRun.Run("attack", "--model", model, "--data", images, "--target", "next", "--device", TestDevice.Spec, "--out", outFolder);
        Assert.True(code == 0, stderr);
        Assert.Contains($"{Images} attacked, {Images} fooled (100.0%)", stdout);

        var (scale, _) = AttackCommand.FigureScale(H, W);
        Assert.Equal(3, scale);
        using (var figure = Image.Load<Rgb24>(Path.Combine(outFolder, AttackCommand.FigureFile)))
        {
            Assert.Equal(3 * W * scale + 2, figure.Width);
            Assert.Equal(Images * (H * scale + 1) - 1, figure.Height);
            // Colour, not grey: some pixel of the originals has channels that differ.
            bool coloured = false;
            for (int y = 0; y < figure.Height && !coloured; y++)
                for (int x = 0; x < W * scale && !coloured; x++)
                    coloured = figure[x, y].R != figure[x, y].G || figure[x, y].G != figure[x, y].B;
            Assert.True(coloured);
        }
        string adversarial = Path.Combine(outFolder, AttackCommand.AdversarialFolder);
        var pngs = Directory.GetFiles(adversarial, "*.png").OrderBy(f => f).ToArray();
        Assert.Equal(Images, pngs.Length);
        foreach (string png in pngs)
        {
            var exact = ImageFiles.Load(png, 3, H, W).Pixels;
            var stored = AdversarialExampleFileOf(outFolder, png);
            for (int i = 0; i < exact.Length; i++) Assert.Equal(Math.Round(Math.Clamp(stored[i], 0, 1) * 255), Math.Round(exact[i] * 255));
        }
        string report = File.ReadAllText(Path.Combine(outFolder, "report.md"));
        Assert.Contains($"- input: `3x{H}x{W}`", report);
        Assert.Contains($"]({AttackCommand.FigureFile})", report);
    }

    private static float[] AdversarialExampleFileOf(string run, string png) =>
        IlgpuBlindSpots.Cli.AttackRuns.AdversarialExampleFile.Read(run, int.Parse(Path.GetFileNameWithoutExtension(png))).Adversarial;

    [Theory]
    [InlineData(28, 28, 3, 8)]
    [InlineData(224, 224, 3, 8)]
    [InlineData(1000, 1000, 2, 4)]
    [InlineData(2000, 2000, 1, 4)]
    [InlineData(3000, 3000, 1, 0)]
    public void TheFigureFitsAPngSideWhateverTheImageSize(int h, int w, int scale, int rows)
    {
        Assert.Equal((scale, rows), AttackCommand.FigureScale(h, w));
        if (rows > 0)
        {
            Assert.True(3L * w * scale + 2 <= PngImages.MaxSide);
            Assert.True(rows * ((long)h * scale + 1) - 1 <= PngImages.MaxSide);
        }
    }
}
