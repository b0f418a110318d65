using System.Numerics;
using System.Runtime.CompilerServices;
using Backprop.Simd.Kernels.Activations;

namespace Backprop.Simd.Kernels;

/// <summary>y = f(x).</summary>
internal ref struct ForwardStep<T, TOp>(TOp op, Strided<T> x, Strided<T> y) : IElementwiseStep<T>
    where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IActivationOperator<T>
{
    private readonly TOp op = op;
    private readonly Strided<T> x = x, y = y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Invoke<TOps, TVector>(nint row, nint i, int lanes) where TOps : IVectorOps<TVector, T> where TVector : struct =>
        TOps.StoreFirst(op.Value<TOps, TVector>(TOps.LoadFirst(in x[row, i], lanes)), ref y[row, i], lanes);
}

/// <summary>z = product + bias (bias broadcast over rows), z stored when wanted, y = f(z).</summary>
internal ref struct BiasForwardStep<T, TOp>(TOp op, Strided<T> product, Strided<T> bias, Strided<T> z, Strided<T> y) : IElementwiseStep<T>
    where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IActivationOperator<T>
{
    private readonly TOp op = op;
    private readonly Strided<T> product = product, bias = bias, z = z, y = y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Invoke<TOps, TVector>(nint row, nint i, int lanes) where TOps : IVectorOps<TVector, T> where TVector : struct
    {
        TVector sum = TOps.Add(TOps.LoadFirst(in product[row, i], lanes), TOps.LoadFirst(in bias[0, i], lanes));
        if (!z.IsEmpty) TOps.StoreFirst(sum, ref z[row, i], lanes);
        TOps.StoreFirst(op.Value<TOps, TVector>(sum), ref y[row, i], lanes);
    }
}

/// <summary>d = f'(z, y); z is read only when the operator needs it, else y stands in for it.</summary>
internal ref struct DerivativeStep<T, TOp>(TOp op, Strided<T> z, Strided<T> y, Strided<T> d) : IElementwiseStep<T>
    where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IActivationOperator<T>
{
    private readonly TOp op = op;
    private readonly Strided<T> z = z, y = y, d = d;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Invoke<TOps, TVector>(nint row, nint i, int lanes) where TOps : IVectorOps<TVector, T> where TVector : struct
    {
        TVector yi = TOp.DerivativeNeedsPreActivation ? TOps.Zero : TOps.LoadFirst(in y[row, i], lanes);
        TVector zi = TOp.DerivativeNeedsPreActivation ? TOps.LoadFirst(in z[row, i], lanes) : yi;
        TOps.StoreFirst(op.Derivative<TOps, TVector>(zi, yi), ref d[row, i], lanes);
    }
}

/// <summary>δ ← δ ⊙ f'(z, y) in place.</summary>
internal ref struct BackwardStep<T, TOp>(TOp op, Strided<T> z, Strided<T> y, Strided<T> delta) : IElementwiseStep<T>
    where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IActivationOperator<T>
{
    private readonly TOp op = op;
    private readonly Strided<T> z = z, y = y, delta = delta;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Invoke<TOps, TVector>(nint row, nint i, int lanes) where TOps : IVectorOps<TVector, T> where TVector : struct
    {
        TVector yi = TOp.DerivativeNeedsPreActivation ? TOps.Zero : TOps.LoadFirst(in y[row, i], lanes);
        TVector zi = TOp.DerivativeNeedsPreActivation ? TOps.LoadFirst(in z[row, i], lanes) : yi;
        ref T d = ref delta[row, i];
        TOps.StoreFirst(TOps.Multiply(TOps.LoadFirst(in d, lanes), op.Derivative<TOps, TVector>(zi, yi)), ref d, lanes);
    }
}
