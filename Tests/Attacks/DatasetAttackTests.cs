using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// An attack called with a host data set: the same results as with the images uploaded by hand,
/// and images that do not fit the model refused with a message naming the data.
/// </summary>
public class DatasetAttackTests
{
    private static TrainedDigitModel Digits => TrainedDigitModel.Instance;

    [Fact]
    public void ADataSetIsAttackedAsItsImagesOnTheDeviceWouldBe()
    {
        var slice = Digits.Data.Slice(Digits.Correct[0], 6);
        var fromData = new FgsmAttack(0.1).Run(Digits.Model, slice, new NextClass());
        using var inputs = Tensor.FromArray(TestDevice.Current, slice.Images, slice.Count, 1, 28, 28);
        var fromTensor = new FgsmAttack(0.1).Run(Digits.Model, inputs, slice.Labels, new NextClass());

        Assert.Equal(6, fromData.Count);
        for (int i = 0; i < fromData.Count; i++)
        {
            Assert.Equal(slice.Labels[i], fromData[i].Label);
            Assert.Equal(fromTensor[i].Success, fromData[i].Success);
            Assert.Equal(fromTensor[i].Adversarial, fromData[i].Adversarial);
        }
    }

    [Fact]
    public void ImagesOfAnotherSizeAreRefusedNamingTheData()
    {
        var small = new Dataset(new float[2 * 14 * 14], [1, 2], 1, 14, 14, 10, "two small images");
        var e = Assert.Throws<BlindSpotsException>(() => new FgsmAttack(0.1).Run(Digits.Model, small, new Misclassification()));
        Assert.Contains("two small images", e.Message);
        Assert.Contains("1x28x28", e.Message);
    }

    [Fact]
    public void AnEmptyDataSetGivesNoResults() =>
        Assert.Empty(new FgsmAttack(0.1).Run(Digits.Model, Digits.Data.Slice(0, 0), new Misclassification()));
}
