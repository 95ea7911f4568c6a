using System.Runtime.CompilerServices;

// The package's public API is only the product (the two estimators, SuperResolver, its options and tile plan,
// ImageFiles). The repository's own libraries, built and versioned with it, share the engine as it is: the trainer
// exports to the ONNX contract and runs checkpoints through the one tiler; evaluation measures with the same image
// primitives (cubic kernel, decoding, file writing); the stage benchmark times engine parts; the tests test them.
[assembly: InternalsVisibleTo("MLNet.SuperRes.Trainer")]
[assembly: InternalsVisibleTo("MLNet.SuperRes.Evaluation")]
[assembly: InternalsVisibleTo("MLNet.SuperRes.Benchmarks")]
[assembly: InternalsVisibleTo("MLNet.SuperRes.Tests")]
[assembly: InternalsVisibleTo("MLNet.SuperRes.Trainer.Tests")]
