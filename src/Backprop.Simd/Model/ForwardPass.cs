using System.Numerics;
using Backprop.Simd.Threading;
using CommunityToolkit.HighPerformance;

namespace Backprop.Simd.Model;

/// <summary>
/// The network's own forward pass, with every layer's pre-activation <c>Z_l = X_l·W_l + b_l</c> and output
/// <c>Y_l = f(Z_l)</c> kept for reading afterwards, as a PyTorch forward hook on every layer would see them. The
/// buffers are sized once for <see cref="MaxBatch"/> rows; <see cref="Run"/> allocates nothing and computes exactly
/// what training's forward pass computes (the same kernels in the same order), so the values are the ones a
/// <see cref="Training.Trainer{T}"/> step uses.
/// </summary>
/// <remarks>
/// The views returned by <see cref="Run"/>, <see cref="Output"/> and <see cref="PreActivation"/> stay valid until the
/// next <see cref="Run"/>. One pass belongs to one thread at a time; create one per thread to run in parallel.
/// </remarks>
/// <typeparam name="T">The element type of the network: <see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class ForwardPass<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Network<T> _network;
    private readonly NetworkWorkspace<T> _workspace;

    /// <summary>Sizes the buffers of <paramref name="network"/>'s forward pass for up to <paramref name="maxBatch"/> rows.</summary>
    /// <param name="network">The network to run; its current parameters are read at every <see cref="Run"/>.</param>
    /// <param name="maxBatch">The most rows one <see cref="Run"/> takes.</param>
    /// <param name="pool">Threads that share the matrix products; null runs them on the calling thread.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBatch"/> is not positive.</exception>
    public ForwardPass(Network<T> network, int maxBatch, WorkerPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        _network = network;
        _workspace = new NetworkWorkspace<T>(network, maxBatch, keepEveryPreActivation: true) { Pool = pool };
    }

    /// <summary>The most rows one <see cref="Run"/> takes.</summary>
    public int MaxBatch => _workspace.MaxBatch;

    /// <summary>The rows of the last <see cref="Run"/>; 0 before the first.</summary>
    public int Batch { get; private set; }

    /// <summary>Runs every layer on <paramref name="inputs"/> and returns the last layer's output.</summary>
    /// <remarks>inputs: [batch, in] with 1 ≤ batch ≤ <see cref="MaxBatch"/>  →  [batch, out] (logits for cross-entropy).</remarks>
    /// <exception cref="ArgumentException">The inputs' width is not the network's input size, or the batch is out of range.</exception>
    public ReadOnlySpan2D<T> Run(ReadOnlySpan2D<T> inputs)
    {
        if (inputs.Width != _network.InputSize)
            throw new ArgumentException("inputs have " + inputs.Width + " columns but the network takes "
                + _network.InputSize + " features.", nameof(inputs));
        if (inputs.Height < 1 || inputs.Height > MaxBatch)
            throw new ArgumentException("inputs have " + inputs.Height + " rows; this pass takes 1 to " + MaxBatch + ".",
                nameof(inputs));
        Batch = inputs.Height;
        return _workspace.Forward(_network, inputs);
    }

    /// <summary>Layer <paramref name="layer"/>'s output <c>Y = f(Z)</c> of the last <see cref="Run"/>: [batch, units].</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not a layer of the network.</exception>
    public ReadOnlySpan2D<T> Output(int layer) => _workspace.Output(CheckLayer(layer), Batch);

    /// <summary>Layer <paramref name="layer"/>'s pre-activation <c>Z = X·W + b</c> of the last <see cref="Run"/>: [batch, units].</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not a layer of the network.</exception>
    public ReadOnlySpan2D<T> PreActivation(int layer) => _workspace.PreActivation(CheckLayer(layer), Batch);

    private int CheckLayer(int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, _network.Layers.Length);
        return layer;
    }
}
