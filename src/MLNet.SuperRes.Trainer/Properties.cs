[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("MLNet.SuperRes.Tests")]
