using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Torch;

/// <summary>
/// TorchSharp's Adam with the same update, operation for operation, so parameters and the saved optimizer
/// state are bit for bit what <see cref="TorchSharp.Modules.Adam"/> gives (the class keeps the name, which the
/// saved state records, so runs saved before resume with it); only each step's numbers (beta1, 1 - beta1,
/// the bias corrections, eps, the step size) are Scalars held until their native calls return. TorchSharp's
/// own step passes them as implicit Scalars that a garbage collection on another thread may free mid-call
/// (<see cref="ScalarArithmetic"/>).
/// </summary>
internal sealed class Adam(IEnumerable<Parameter> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999,
    double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
    : TorchSharp.Modules.Adam(parameters, learningRate, beta1, beta2, eps, weightDecay, amsgrad, maximize)
{
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value, eps = options.eps!.Value;
        double weightDecay = options.weight_decay!.Value, learningRate = options.LearningRate!.Value;
        bool amsgrad = options.amsgrad!.Value, maximize = options.maximize!.Value;
        using var keepAverage = beta1.ToScalar();
        using var newAverage = (1 - beta1).ToScalar();
        using var keepSquares = beta2.ToScalar();
        using var newSquares = (1 - beta2).ToScalar();
        using var epsilon = eps.ToScalar();
        using var decay = weightDecay.ToScalar();
        using var one = 1.ToScalar(); // add_(Scalar) alone would make its alpha of 1 an implicit Scalar

        foreach (var param in group.Parameters)
        {
            var state = (State)_state[param.Handle];
            var grad = param.grad;
            if (grad is null) continue;
            if (maximize) grad = -grad;
            state.step += 1;
            double biasCorrection1 = 1 - Math.Pow(beta1, state.step);
            double biasCorrection2 = 1 - Math.Pow(beta2, state.step);
            if (weightDecay != 0) grad = grad.add(param, decay);

            state.exp_avg.mul_(keepAverage).add_(grad, newAverage);
            state.exp_avg_sq.mul_(keepSquares).addcmul_(grad, grad.conj(), newSquares);
            Tensor squares = state.exp_avg_sq;
            if (amsgrad)
            {
                var previous = state.max_exp_avg_sq;
                state.max_exp_avg_sq = maximum(previous, state.exp_avg_sq).DetachFromDisposeScope();
                previous.Dispose();
                squares = state.max_exp_avg_sq;
            }
            using var correction = Math.Sqrt(biasCorrection2).ToScalar();
            var denominator = squares.sqrt().div(correction).add_(epsilon, one);
            using var stepSize = (-(learningRate / biasCorrection1)).ToScalar();
            param.addcdiv_(state.exp_avg, denominator, stepSize);
        }
    }, closure);
}
