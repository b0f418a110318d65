using System.Numerics;
using System.Runtime.Intrinsics;
using Backprop.Simd.Kernels.Activations;

namespace Backprop.Simd.Kernels;

/// <summary>y = f(x).</summary>
internal ref struct ForwardStep<T, TOp>(TOp op, Strided<T> x, Strided<T> y) : IElementwiseStep
    where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IActivationOperator<T>
{
    private readonly TOp op = op;
    private readonly Strided<T> x = x, y = y;

    public readonly void Invoke(nint row, nint i)
    {
        y[row, i] = op.Value(x[row, i]);
    }

    public readonly void Invoke128(nint row, nint i, int lanes)
    {
        Lanes.Store128(op.Value(Lanes.Load128(ref x[row, i], lanes)), ref y[row, i], lanes);
    }

    public readonly void Invoke256(nint row, nint i, int lanes)
    {
        Lanes.Store256(op.Value(Lanes.Load256(ref x[row, i], lanes)), ref y[row, i], lanes);
    }

    public readonly void Invoke512(nint row, nint i, int lanes)
    {
        Lanes.Store512(op.Value(Lanes.Load512(ref x[row, i], lanes)), ref y[row, i], lanes);
    }
}

/// <summary>z = product + bias (bias broadcast over rows), z stored when wanted, y = f(z).</summary>
internal ref struct BiasForwardStep<T, TOp>(TOp op, Strided<T> product, Strided<T> bias, Strided<T> z, Strided<T> y) : IElementwiseStep
    where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IActivationOperator<T>
{
    private readonly TOp op = op;
    private readonly Strided<T> product = product, bias = bias, z = z, y = y;

    public readonly void Invoke(nint row, nint i)
    {
        T sum = product[row, i] + bias[0, i];
        if (!z.IsEmpty) z[row, i] = sum;
        y[row, i] = op.Value(sum);
    }

    public readonly void Invoke128(nint row, nint i, int lanes)
    {
        Vector128<T> sum = Lanes.Load128(ref product[row, i], lanes) + Lanes.Load128(ref bias[0, i], lanes);
        if (!z.IsEmpty) Lanes.Store128(sum, ref z[row, i], lanes);
        Lanes.Store128(op.Value(sum), ref y[row, i], lanes);
    }

    public readonly void Invoke256(nint row, nint i, int lanes)
    {
        Vector256<T> sum = Lanes.Load256(ref product[row, i], lanes) + Lanes.Load256(ref bias[0, i], lanes);
        if (!z.IsEmpty) Lanes.Store256(sum, ref z[row, i], lanes);
        Lanes.Store256(op.Value(sum), ref y[row, i], lanes);
    }

    public readonly void Invoke512(nint row, nint i, int lanes)
    {
        Vector512<T> sum = Lanes.Load512(ref product[row, i], lanes) + Lanes.Load512(ref bias[0, i], lanes);
        if (!z.IsEmpty) Lanes.Store512(sum, ref z[row, i], lanes);
        Lanes.Store512(op.Value(sum), ref y[row, i], lanes);
    }
}

/// <summary>d = f'(z, y); z is read only when the operator needs it, else y stands in for it.</summary>
internal ref struct DerivativeStep<T, TOp>(TOp op, Strided<T> z, Strided<T> y, Strided<T> d) : IElementwiseStep
    where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IActivationOperator<T>
{
    private readonly TOp op = op;
    private readonly Strided<T> z = z, y = y, d = d;

    public readonly void Invoke(nint row, nint i)
    {
        T yi = TOp.DerivativeNeedsPreActivation ? T.Zero : y[row, i];
        d[row, i] = op.Derivative(TOp.DerivativeNeedsPreActivation ? z[row, i] : yi, yi);
    }

    public readonly void Invoke128(nint row, nint i, int lanes)
    {
        Vector128<T> yi = TOp.DerivativeNeedsPreActivation ? Vector128<T>.Zero : Lanes.Load128(ref y[row, i], lanes);
        Vector128<T> zi = TOp.DerivativeNeedsPreActivation ? Lanes.Load128(ref z[row, i], lanes) : yi;
        Lanes.Store128(op.Derivative(zi, yi), ref d[row, i], lanes);
    }

    public readonly void Invoke256(nint row, nint i, int lanes)
    {
        Vector256<T> yi = TOp.DerivativeNeedsPreActivation ? Vector256<T>.Zero : Lanes.Load256(ref y[row, i], lanes);
        Vector256<T> zi = TOp.DerivativeNeedsPreActivation ? Lanes.Load256(ref z[row, i], lanes) : yi;
        Lanes.Store256(op.Derivative(zi, yi), ref d[row, i], lanes);
    }

    public readonly void Invoke512(nint row, nint i, int lanes)
    {
        Vector512<T> yi = TOp.DerivativeNeedsPreActivation ? Vector512<T>.Zero : Lanes.Load512(ref y[row, i], lanes);
        Vector512<T> zi = TOp.DerivativeNeedsPreActivation ? Lanes.Load512(ref z[row, i], lanes) : yi;
        Lanes.Store512(op.Derivative(zi, yi), ref d[row, i], lanes);
    }
}

/// <summary>δ ← δ ⊙ f'(z, y) in place.</summary>
internal ref struct BackwardStep<T, TOp>(TOp op, Strided<T> z, Strided<T> y, Strided<T> delta) : IElementwiseStep
    where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IActivationOperator<T>
{
    private readonly TOp op = op;
    private readonly Strided<T> z = z, y = y, delta = delta;

    public readonly void Invoke(nint row, nint i)
    {
        T yi = TOp.DerivativeNeedsPreActivation ? T.Zero : y[row, i];
        delta[row, i] *= op.Derivative(TOp.DerivativeNeedsPreActivation ? z[row, i] : yi, yi);
    }

    public readonly void Invoke128(nint row, nint i, int lanes)
    {
        Vector128<T> yi = TOp.DerivativeNeedsPreActivation ? Vector128<T>.Zero : Lanes.Load128(ref y[row, i], lanes);
        Vector128<T> zi = TOp.DerivativeNeedsPreActivation ? Lanes.Load128(ref z[row, i], lanes) : yi;
        ref T d = ref delta[row, i];
        Lanes.Store128(Lanes.Load128(ref d, lanes) * op.Derivative(zi, yi), ref d, lanes);
    }

    public readonly void Invoke256(nint row, nint i, int lanes)
    {
        Vector256<T> yi = TOp.DerivativeNeedsPreActivation ? Vector256<T>.Zero : Lanes.Load256(ref y[row, i], lanes);
        Vector256<T> zi = TOp.DerivativeNeedsPreActivation ? Lanes.Load256(ref z[row, i], lanes) : yi;
        ref T d = ref delta[row, i];
        Lanes.Store256(Lanes.Load256(ref d, lanes) * op.Derivative(zi, yi), ref d, lanes);
    }

    public readonly void Invoke512(nint row, nint i, int lanes)
    {
        Vector512<T> yi = TOp.DerivativeNeedsPreActivation ? Vector512<T>.Zero : Lanes.Load512(ref y[row, i], lanes);
        Vector512<T> zi = TOp.DerivativeNeedsPreActivation ? Lanes.Load512(ref z[row, i], lanes) : yi;
        ref T d = ref delta[row, i];
        Lanes.Store512(Lanes.Load512(ref d, lanes) * op.Derivative(zi, yi), ref d, lanes);
    }
}
