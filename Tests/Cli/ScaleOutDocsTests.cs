using System.Text.RegularExpressions;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// docs/scale-out.md shows the Slurm script and the Kubernetes manifest exactly as they are in
/// scripts/ (the files CI submits and users copy), and the manifest is an Indexed Job whose shard
/// count matches its completions. No Kubernetes cluster runs here: this is what can be checked.
/// </summary>
public sealed class ScaleOutDocsTests
{
    private static string Repo(string path) => File.ReadAllText(Path.Combine(RepoFiles.Root, path)).Replace("\r\n", "\n");

    private static List<string> FencedBlocks(string markdown, string language) =>
        Regex.Matches(markdown, $"```{language}\\n(.*?)\\n```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();

    [Theory]
    [InlineData("scripts/slurm-attack.sh", "bash")]
    [InlineData("scripts/k8s-indexed-job.yaml", "yaml")]
    public void TheDocsShowTheFileAsItIs(string path, string language)
    {
        var blocks = FencedBlocks(Repo("docs/scale-out.md"), language);
        Assert.Contains(Repo(path).TrimEnd(), blocks);
    }

    [Fact]
    public void TheManifestIsAnIndexedJobWhoseShardCountIsItsCompletions()
    {
        string manifest = Repo("scripts/k8s-indexed-job.yaml");
        Assert.Matches(@"(?m)^kind: Job$", manifest);
        Assert.Matches(@"(?m)^  completionMode: Indexed$", manifest);
        int completions = int.Parse(Regex.Match(manifest, @"(?m)^  completions: (\d+)$").Groups[1].Value);
        int parallelism = int.Parse(Regex.Match(manifest, @"(?m)^  parallelism: (\d+)$").Groups[1].Value);
        var shards = Regex.Matches(manifest, @"--shard auto/(\d+)").Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal([completions], shards);
        Assert.InRange(parallelism, 1, completions);
        Assert.Contains("shard-$JOB_COMPLETION_INDEX", manifest);
    }

    [Fact]
    public void TheSlurmScriptCancelsTheMergeOnFailureAndAppendsRequeuedLogs()
    {
        string script = Repo("scripts/slurm-attack.sh");
        Assert.Contains("--dependency=\"afterok:$array_job\" --kill-on-invalid-dep=yes", script);
        Assert.Contains("--open-mode=append", script);
        Assert.Contains("mkdir -p \"$logs\"", script);
    }
}
