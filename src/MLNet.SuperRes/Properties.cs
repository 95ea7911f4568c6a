using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("MLNet.SuperRes.Tests")]
