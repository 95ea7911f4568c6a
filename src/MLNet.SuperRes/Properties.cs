using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("MLNet.SuperRes.Tests")]
[assembly: InternalsVisibleTo("MLNet.SuperRes.Benchmarks")]
[assembly: InternalsVisibleTo("OnnxExportBenchmark")]
[assembly: InternalsVisibleTo("MLNet.SuperRes.Trainer")]
[assembly: InternalsVisibleTo("MLNet.SuperRes.Evaluation")]
[assembly: InternalsVisibleTo("MLNet.SuperRes.Trainer.Tests")]
