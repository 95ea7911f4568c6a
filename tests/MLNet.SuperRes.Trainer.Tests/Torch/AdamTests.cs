using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Tests.Torch;

/// <summary>Training with <see cref="Trainer.Torch.Adam"/> is bit for bit training with TorchSharp's Adam: weights and saved state.</summary>
public sealed class AdamTests
{
    /// <summary>The one place that builds TorchSharp's own Adam, to compare with; <see cref="ScalarLifetimeTests"/> allows it here only.</summary>
    internal const string ComparisonMethod = nameof(StepsAndSavedStateMatchTorchSharpsAdam);

    [Theory]
    [InlineData(0.0, false, false)]
    [InlineData(0.01, true, true)]
    public void StepsAndSavedStateMatchTorchSharpsAdam(double weightDecay, bool amsgrad, bool maximize)
    {
        using var scope = NewDisposeScope();
        var config = new HspanConfig { NResGroups = 1, NResBlocks = 1, NFeats = 8, TopK = 8, Scale = 2 };
        using var reference = new Hspan(config);
        using var candidate = new Hspan(config);
        reference.InitializeWeights(3);
        candidate.InitializeWeights(3);
        using var theirs = new TorchSharp.Modules.Adam(reference.parameters(), 2e-3, 0.9, 0.999, 1e-8, weightDecay, amsgrad, maximize);
        using var ours = new Trainer.Torch.Adam(candidate.parameters(), 2e-3, 0.9, 0.999, 1e-8, weightDecay, amsgrad, maximize);
        using var generator = new Generator(9);

        for (int step = 0; step < 4; step++)
        {
            using var stepScope = NewDisposeScope();
            var lowRes = rand(new long[] { 2, 3, 8, 8 }, generator: generator);
            var highRes = rand(new long[] { 2, 3, 16, 16 }, generator: generator);
            foreach (var (model, optimizer) in new (Hspan, OptimizerHelper)[] { (reference, theirs), (candidate, ours) })
            {
                optimizer.zero_grad();
                nn.functional.l1_loss(model.call(lowRes), highRes).backward();
                optimizer.step();
            }
            foreach (var ((name, expected), (_, actual)) in reference.named_parameters().Zip(candidate.named_parameters()))
                Assert.True(expected.eq(actual).all().item<bool>(), $"step {step + 1}: {name} differs");
        }
        Assert.Equal(SavedState(theirs), SavedState(ours));
    }

    private static byte[] SavedState(OptimizerHelper optimizer)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) optimizer.save_state_dict(writer);
        return stream.ToArray();
    }
}
