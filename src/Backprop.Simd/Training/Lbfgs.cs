using System.Numerics;
using Backprop.Simd.Kernels;

namespace Backprop.Simd.Training;

/// <summary>
/// Full-batch L-BFGS for small networks, following <c>torch.optim.LBFGS</c>: the two-loop recursion over the last m
/// curvature pairs, PyTorch's <c>_strong_wolfe</c> line search (c₁ = 1e-4, c₂ = 0.9, 25 evaluations at most, cubic
/// interpolation) and its stopping tests. Each evaluation is
/// <see cref="Trainer{T}.ComputeDatasetGradients(CommunityToolkit.HighPerformance.ReadOnlySpan2D{T}, ReadOnlySpan{int}, ReadOnlySpan{T})"/>
/// over the whole data set (class and sample weights included); the trainer's own optimizer is not used. The history
/// and every work vector live in flat arrays allocated here, so steps allocate nothing.
/// </summary>
/// <typeparam name="T">The element type of the network.</typeparam>
public sealed class Lbfgs<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const double C1 = 1e-4, C2 = 0.9, LineSearchTolerance = 1e-9;
    private const int MaxLineSearch = 25;

    private readonly int _n;
    private readonly T[] _gradient, _previousGradient, _direction, _start, _trialGradient, _previousTrialGradient;
    private readonly T[][] _bracketGradients;
    private readonly T[] _yNew, _sNew;
    private readonly T[] _ys, _ss; // history: pair k at [k·n, (k+1)·n), a ring of HistorySize pairs
    private readonly double[] _rho, _alpha;
    private readonly double[] _bracket = new double[2], _bracketF = new double[2], _bracketGtd = new double[2];
    private int _historyStart, _historyCount;
    private double _step, _hessianScale = 1;

    /// <summary>Prepares L-BFGS for the trainer's network and allocates its history.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public Lbfgs(Trainer<T> trainer, LbfgsSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        settings ??= new LbfgsSettings();
        settings.Validate();
        Trainer = trainer;
        Settings = settings;
        _n = trainer.Network.ParameterCount;
        _gradient = new T[_n];
        _previousGradient = new T[_n];
        _direction = new T[_n];
        _start = new T[_n];
        _trialGradient = new T[_n];
        _previousTrialGradient = new T[_n];
        _bracketGradients = [new T[_n], new T[_n]];
        _yNew = new T[_n];
        _sNew = new T[_n];
        _ys = new T[settings.HistorySize * _n];
        _ss = new T[settings.HistorySize * _n];
        _rho = new double[settings.HistorySize];
        _alpha = new double[settings.HistorySize];
    }

    /// <summary>The trainer whose network is optimized.</summary>
    public Trainer<T> Trainer { get; }

    /// <summary>The settings.</summary>
    public LbfgsSettings Settings { get; }

    /// <summary>Iterations over every step so far (PyTorch's <c>state['n_iter']</c>).</summary>
    public long Iterations { get; private set; }

    /// <summary>Loss-and-gradient evaluations over every step so far (PyTorch's <c>state['func_evals']</c>).</summary>
    public long Evaluations { get; private set; }

    /// <summary>
    /// One <c>optimizer.step(closure)</c>: up to <see cref="LbfgsSettings.MaxIterations"/> iterations on the whole of
    /// <paramref name="data"/>, keeping the history for the next call.
    /// </summary>
    /// <param name="data">The whole training set.</param>
    /// <param name="cancellationToken">
    /// Checked before every iteration: a cancelled step returns <see cref="LbfgsStopReason.Cancelled"/> after the
    /// iteration in progress, with the parameters and history consistent, so a later call continues.
    /// </param>
    /// <exception cref="ArgumentException">The data does not fit the network or the loss.</exception>
    public LbfgsStepResult Step(FitData<T> data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        LbfgsSettings s = Settings;
        double loss = Evaluate(data, _gradient);
        double initialLoss = loss;
        int evaluations = 1;
        if (MaxAbs(_gradient) <= s.ToleranceGrad)
            return new LbfgsStepResult(initialLoss, loss, 0, evaluations, LbfgsStopReason.GradientTolerance);

        int iterations = 0;
        LbfgsStopReason reason = LbfgsStopReason.MaxIterations;
        while (iterations < s.MaxIterations)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                reason = LbfgsStopReason.Cancelled;
                break;
            }
            iterations++;
            Iterations++;
            if (Iterations == 1)
            {
                VectorArithmetic.Negate(_gradient, _direction);
                (_historyStart, _historyCount, _hessianScale) = (0, 0, 1);
            }
            else
            {
                UpdateHistory();
                TwoLoopDirection();
            }
            _gradient.CopyTo(_previousGradient, 0);
            double previousLoss = loss;

            _step = Iterations == 1 ? Math.Min(1, 1 / SumAbs(_gradient)) * s.LearningRate : s.LearningRate;
            double gtd = Dot(_gradient, _direction);
            if (gtd > -s.ToleranceChange)
            {
                reason = LbfgsStopReason.NotDescending;
                break;
            }

            Span<T> parameters = Trainer.Network.Parameters;
            bool optimal = false;
            if (s.StrongWolfe)
            {
                parameters.CopyTo(_start);
                (loss, _step, int lineEvaluations) = StrongWolfe(data, _step, loss, gtd);
                VectorArithmetic.MultiplyAdd(_direction, T.CreateTruncating(_step), _start, parameters);
                optimal = MaxAbs(_gradient) <= s.ToleranceGrad;
                evaluations += lineEvaluations;
            }
            else
            {
                VectorArithmetic.MultiplyAdd(_direction, T.CreateTruncating(_step), parameters, parameters);
                if (iterations != s.MaxIterations)
                {
                    // PyTorch skips this evaluation in the last iteration: its value would only serve a next step.
                    loss = Evaluate(data, _gradient);
                    optimal = MaxAbs(_gradient) <= s.ToleranceGrad;
                    evaluations++;
                }
            }

            if (iterations == s.MaxIterations) break;
            if (evaluations >= s.EvaluationLimit) { reason = LbfgsStopReason.MaxEvaluations; break; }
            if (optimal) { reason = LbfgsStopReason.GradientTolerance; break; }
            if (MaxAbs(_direction) * Math.Abs(_step) <= s.ToleranceChange) { reason = LbfgsStopReason.StepTolerance; break; }
            if (Math.Abs(loss - previousLoss) < s.ToleranceChange) { reason = LbfgsStopReason.LossTolerance; break; }
        }
        return new LbfgsStepResult(initialLoss, loss, iterations, evaluations, reason);
    }

    // y = g − g_prev, s = t·d; the pair is kept only when yᵀs > 1e-10 (the curvature condition), dropping the oldest.
    private void UpdateHistory()
    {
        VectorArithmetic.Subtract(_gradient, _previousGradient, _yNew);
        VectorArithmetic.Scale(_direction, T.CreateTruncating(_step), _sNew);
        double ys = Dot(_yNew, _sNew);
        if (ys <= 1e-10) return;
        int m = Settings.HistorySize;
        int slot;
        if (_historyCount == m)
        {
            slot = _historyStart;
            _historyStart = (_historyStart + 1) % m;
        }
        else
        {
            slot = (_historyStart + _historyCount++) % m;
        }
        _yNew.CopyTo(_ys.AsSpan(slot * _n, _n));
        _sNew.CopyTo(_ss.AsSpan(slot * _n, _n));
        _rho[slot] = 1 / ys;
        _hessianScale = ys / Dot(_yNew, _yNew);
    }

    // d = −H·g by the two-loop recursion, newest pair first in the first loop, in one buffer as PyTorch does.
    private void TwoLoopDirection()
    {
        Span<T> q = _direction;
        VectorArithmetic.Negate(_gradient, q);
        for (int k = _historyCount - 1; k >= 0; k--)
        {
            int slot = (_historyStart + k) % Settings.HistorySize;
            _alpha[k] = Dot(_ss.AsSpan(slot * _n, _n), q) * _rho[slot];
            VectorArithmetic.MultiplyAdd(_ys.AsSpan(slot * _n, _n), T.CreateTruncating(-_alpha[k]), q, q);
        }
        VectorArithmetic.Scale(q, T.CreateTruncating(_hessianScale), q);
        for (int k = 0; k < _historyCount; k++)
        {
            int slot = (_historyStart + k) % Settings.HistorySize;
            double beta = Dot(_ys.AsSpan(slot * _n, _n), q) * _rho[slot];
            VectorArithmetic.MultiplyAdd(_ss.AsSpan(slot * _n, _n), T.CreateTruncating(_alpha[k] - beta), q, q);
        }
    }

    // PyTorch's _strong_wolfe from x = _start along d = _direction with f, g = _gradient and gtd at t = 0. Leaves the
    // gradient at the accepted step in _gradient; the caller moves the parameters there.
    private (double Loss, double Step, int Evaluations) StrongWolfe(FitData<T> data, double t, double f, double gtd)
    {
        double directionNorm = MaxAbs(_direction);
        double fNew = EvaluateAt(data, t, _trialGradient);
        double gtdNew = Dot(_trialGradient, _direction);
        int evaluations = 1, iteration = 0;
        double tPrevious = 0, fPrevious = f, gtdPrevious = gtd;
        _gradient.CopyTo(_previousTrialGradient, 0);

        double[] bracket = _bracket, bracketF = _bracketF, bracketGtd = _bracketGtd;
        bool done = false, bracketed = false;
        while (iteration < MaxLineSearch)
        {
            if (fNew > f + C1 * t * gtd || (iteration > 1 && fNew >= fPrevious) || gtdNew >= 0)
            {
                SetBracket(0, tPrevious, fPrevious, gtdPrevious, _previousTrialGradient);
                SetBracket(1, t, fNew, gtdNew, _trialGradient);
                bracketed = true;
                break;
            }
            if (Math.Abs(gtdNew) <= -C2 * gtd)
            {
                SetBracket(0, t, fNew, gtdNew, _trialGradient);
                SetBracket(1, t, fNew, gtdNew, _trialGradient);
                done = true;
                break;
            }
            double minStep = t + 0.01 * (t - tPrevious), maxStep = t * 10, previous = t;
            t = CubicInterpolate(tPrevious, fPrevious, gtdPrevious, t, fNew, gtdNew, minStep, maxStep);
            (tPrevious, fPrevious, gtdPrevious) = (previous, fNew, gtdNew);
            _trialGradient.CopyTo(_previousTrialGradient, 0);
            fNew = EvaluateAt(data, t, _trialGradient);
            gtdNew = Dot(_trialGradient, _direction);
            evaluations++;
            iteration++;
        }
        if (!bracketed && !done)
        {
            SetBracket(0, 0, f, double.NaN, _gradient);
            SetBracket(1, t, fNew, double.NaN, _trialGradient);
        }

        // Zoom: shrink the bracket around a point satisfying the strong Wolfe conditions.
        bool insufficientProgress = false;
        int low = bracketF[0] <= bracketF[1] ? 0 : 1, high = 1 - low;
        while (!done && iteration < MaxLineSearch)
        {
            if (Math.Abs(bracket[1] - bracket[0]) * directionNorm < LineSearchTolerance) break;
            t = CubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1],
                Math.Min(bracket[0], bracket[1]), Math.Max(bracket[0], bracket[1]));
            double hi = Math.Max(bracket[0], bracket[1]), lo = Math.Min(bracket[0], bracket[1]), eps = 0.1 * (hi - lo);
            if (Math.Min(hi - t, t - lo) < eps)
            {
                // Too close to an end: after a second time, or at the end itself, move 10 % of the bracket inside.
                if (insufficientProgress || t >= hi || t <= lo)
                {
                    t = Math.Abs(t - hi) < Math.Abs(t - lo) ? hi - eps : lo + eps;
                    insufficientProgress = false;
                }
                else
                {
                    insufficientProgress = true;
                }
            }
            else
            {
                insufficientProgress = false;
            }

            fNew = EvaluateAt(data, t, _trialGradient);
            gtdNew = Dot(_trialGradient, _direction);
            evaluations++;
            iteration++;
            if (fNew > f + C1 * t * gtd || fNew >= bracketF[low])
            {
                SetBracket(high, t, fNew, gtdNew, _trialGradient);
                (low, high) = bracketF[0] <= bracketF[1] ? (0, 1) : (1, 0);
            }
            else
            {
                if (Math.Abs(gtdNew) <= -C2 * gtd)
                {
                    done = true;
                }
                else if (gtdNew * (bracket[high] - bracket[low]) >= 0)
                {
                    SetBracket(high, bracket[low], bracketF[low], bracketGtd[low], _bracketGradients[low]);
                }
                SetBracket(low, t, fNew, gtdNew, _trialGradient);
            }
        }
        _bracketGradients[low].CopyTo(_gradient, 0);
        return (bracketF[low], bracket[low], evaluations);
    }

    private void SetBracket(int index, double step, double loss, double slope, T[] gradient)
    {
        (_bracket[index], _bracketF[index], _bracketGtd[index]) = (step, loss, slope);
        if (!ReferenceEquals(gradient, _bracketGradients[index])) gradient.CopyTo(_bracketGradients[index], 0);
    }

    // The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to [lo, hi]; the middle when the
    // cubic has no real minimiser (PyTorch's _cubic_interpolate).
    private static double CubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2, double lo, double hi)
    {
        double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        double d2Square = d1 * d1 - g1 * g2;
        if (d2Square < 0) return (lo + hi) / 2;
        double d2 = Math.Sqrt(d2Square);
        double minimum = x1 <= x2
            ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
            : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
        return Math.Min(Math.Max(minimum, lo), hi);
    }

    // The loss and gradient at x + t·d; the parameters are left there (the caller sets them when the search ends).
    private double EvaluateAt(FitData<T> data, double t, T[] gradient)
    {
        VectorArithmetic.MultiplyAdd(_direction, T.CreateTruncating(t), _start, Trainer.Network.Parameters);
        return Evaluate(data, gradient);
    }

    private double Evaluate(FitData<T> data, T[] gradient)
    {
        Evaluations++;
        T loss = data.HasLabels
            ? Trainer.ComputeDatasetGradients(data.Features.Span, data.Labels.Span, data.SampleWeights.Span)
            : Trainer.ComputeDatasetGradients(data.Features.Span, data.Targets.Span, data.SampleWeights.Span);
        Trainer.Gradients.CopyTo(gradient);
        return double.CreateTruncating(loss);
    }

    private static double Dot(ReadOnlySpan<T> x, ReadOnlySpan<T> y) => VectorReductions.Dot(x, y);

    private static double MaxAbs(ReadOnlySpan<T> x) => double.CreateTruncating(VectorReductions.MaxMagnitude(x));

    private static double SumAbs(ReadOnlySpan<T> x) => VectorReductions.SumOfMagnitudes(x);
}
