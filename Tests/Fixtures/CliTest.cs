namespace IlgpuBlindSpots.Tests.Fixtures;

/// <summary>
/// What a test of the commands starts from: a temporary folder for its inputs and outputs, removed
/// after each test, and the committed model the commands are run on.
/// </summary>
public abstract class CliTest : IDisposable
{
    /// <summary>models/fc100-100-10.safetensors of the repository.</summary>
    private protected static readonly string Model = Path.Combine(RepoFiles.Root, "models", "fc100-100-10.safetensors");

    private protected readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();
}
