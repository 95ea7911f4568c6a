Console.Error.WriteLine("usage: MLNet.SuperRes.Trainer (train | eval | export) [options]");
return 2;
