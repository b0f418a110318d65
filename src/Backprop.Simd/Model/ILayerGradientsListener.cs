namespace Backprop.Simd.Model;

/// <summary>
/// Told during a backward pass as soon as a layer's weight and bias gradients are final, last layer first, so that
/// work on them (a data-parallel reduction) can start while the layers before it are still being differentiated.
/// A struct, so the call is inlined rather than dispatched.
/// </summary>
internal interface ILayerGradientsListener
{
    void OnLayerGradients(DenseLayer layer);
}

/// <summary>The listener of an ordinary backward pass: nothing to do.</summary>
internal struct NoLayerGradientsListener : ILayerGradientsListener
{
    public readonly void OnLayerGradients(DenseLayer layer) { }
}
