using System.Numerics;
using Backprop.Simd.Kernels.Activations;
using Backprop.Simd.Model;

namespace Backprop.Simd.Kernels;

internal enum ActivationPassKind { Forward, BiasForward, Derivative, Backward }

/// <summary>
/// One call of an activation kernel, its regions already validated: turns the <see cref="Activation"/> into its operator
/// struct once per call and runs the matching step over every row, so the per-element code is fully specialised.
/// </summary>
/// <remarks>Regions: a = input (x, product, z), b = bias or y, c = z store (bias forward only), d = destination.</remarks>
internal readonly ref struct ActivationPass<T>(ActivationPassKind kind, Strided<T> a, Strided<T> b, Strided<T> c,
    Strided<T> d, int rows, int width, SimdVariant variant) where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Strided<T> a = a, b = b, c = c, d = d;

    public void Run(Activation activation)
    {
        T parameter = T.CreateTruncating(activation.Parameter);
        switch (activation.Kind)
        {
            case ActivationKind.Identity: Run(new IdentityOperator<T>()); break;
            case ActivationKind.Sigmoid: Run(new SigmoidOperator<T>()); break;
            case ActivationKind.Tanh: Run(new TanhOperator<T>()); break;
            case ActivationKind.Relu: Run(new ReluOperator<T>()); break;
            case ActivationKind.LeakyRelu: Run(new LeakyReluOperator<T>(parameter)); break;
            case ActivationKind.Elu: Run(new EluOperator<T>(parameter)); break;
            case ActivationKind.Gelu: Run(new GeluOperator<T>()); break;
            case ActivationKind.GeluTanh: Run(new GeluTanhOperator<T>()); break;
            case ActivationKind.Softplus: Run(new SoftplusOperator<T>()); break;
            case ActivationKind.Silu: Run(new SiluOperator<T>()); break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation.Kind, "Unknown activation kind.");
        }
    }

    private void Run<TOp>(TOp op) where TOp : struct, IActivationOperator<T>
    {
        switch (kind)
        {
            case ActivationPassKind.Forward:
                var forward = new ForwardStep<T, TOp>(op, a, d);
                ElementwiseDriver.Run<T, ForwardStep<T, TOp>>(ref forward, rows, width, variant);
                break;
            case ActivationPassKind.BiasForward:
                var biasForward = new BiasForwardStep<T, TOp>(op, a, b, c, d);
                ElementwiseDriver.Run<T, BiasForwardStep<T, TOp>>(ref biasForward, rows, width, variant);
                break;
            case ActivationPassKind.Derivative:
                var derivative = new DerivativeStep<T, TOp>(op, a, b, d);
                ElementwiseDriver.Run<T, DerivativeStep<T, TOp>>(ref derivative, rows, width, variant);
                break;
            default:
                var backward = new BackwardStep<T, TOp>(op, a, b, d);
                ElementwiseDriver.Run<T, BackwardStep<T, TOp>>(ref backward, rows, width, variant);
                break;
        }
    }
}
