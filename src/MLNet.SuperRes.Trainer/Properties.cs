[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("MLNet.SuperRes.Trainer.Tests")]
