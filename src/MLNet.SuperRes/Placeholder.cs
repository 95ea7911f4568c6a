namespace MLNet.SuperRes;
