using MLNet.SuperRes.Engine;
using MLNet.SuperRes.OnnxGraphs;
using MLNet.SuperRes.Trainer.Export;
using MLNet.SuperRes.Trainer.Export.Quantization;
using Onnx;

namespace MLNet.SuperRes.Trainer.Tests.Export.Quantization;

public sealed class CalibratorTests
{
    /// <summary>input -> Relu ("activation") -> Identity (output): one value to calibrate.</summary>
    private static ModelProto ReluModel()
    {
        var graph = new OnnxGraphBuilder("relu");
        graph.Input(OnnxContract.InputName, TensorProto.Types.DataType.Float, "N", "C", "H", "W");
        var activation = graph.Node("Relu", "activation", [OnnxContract.InputName]);
        graph.Output(graph.Node("Identity", OnnxContract.OutputName, [activation]), TensorProto.Types.DataType.Float, "N", "C", "H", "W");
        return HspanOnnxExporter.CreateModel(graph.Graph);
    }

    [Fact]
    public void PercentileSeesEveryColumn_NotOnlyThoseAFixedStrideLandsOn()
    {
        // 4 crops of 64 x 40 x 40 values, 0 except column 17 at 5: the stride 409,600 / 4,096 = 100 shares
        // factors with the 40-wide rows and would only ever sample columns 0 and 20.
        const int crops = 4, channels = 64, side = 40;
        var data = new float[crops * channels * side * side];
        for (int i = 0; i < data.Length; i++)
            if (i % side == 17) data[i] = 5;
        var batch = (data, new long[] { crops, channels, side, side });

        var ranges = Calibrator.Ranges(ReluModel(), ["activation"], [batch, batch], CalibrationStatistic.Percentile);
        Assert.Equal(0, ranges["activation"].Min);
        Assert.Equal(5, ranges["activation"].Max);
        Assert.Equal(5, Calibrator.Ranges(ReluModel(), ["activation"], [batch], CalibrationStatistic.MinMax)["activation"].Max);
    }
}
