// How fast one core streams a block of weights it re-reads call after call, as batch-1 prediction does: the block is
// summed with FMAs (eight independent accumulators, 64-byte aligned loads) again and again, and the best pass of many
// is reported. Sizes span L2 (1 MB per core on Zen 4) to well past it, so the figures show the L2 → L1 path's limit
// (32 bytes per cycle on Zen 4, 64 on Zen 5) against L3's. With "both", the two cores stream their own copies at once.
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static float pass(const float* w, size_t n, int repeats, float scale) {
  __m512 x = _mm512_set1_ps(scale);
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (int r = 0; r < repeats; r++) {
    for (size_t i = 0; i < n; i += 128) {
      a0 = _mm512_fmadd_ps(_mm512_load_ps(w + i), x, a0);
      a1 = _mm512_fmadd_ps(_mm512_load_ps(w + i + 16), x, a1);
      a2 = _mm512_fmadd_ps(_mm512_load_ps(w + i + 32), x, a2);
      a3 = _mm512_fmadd_ps(_mm512_load_ps(w + i + 48), x, a3);
      a4 = _mm512_fmadd_ps(_mm512_load_ps(w + i + 64), x, a4);
      a5 = _mm512_fmadd_ps(_mm512_load_ps(w + i + 80), x, a5);
      a6 = _mm512_fmadd_ps(_mm512_load_ps(w + i + 96), x, a6);
      a7 = _mm512_fmadd_ps(_mm512_load_ps(w + i + 112), x, a7);
    }
  }
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                           _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  return _mm512_reduce_add_ps(s);
}

int main(int argc, char** argv) {
  size_t kilobytes = argc > 1 ? (size_t)atoi(argv[1]) : 940;
  size_t bytes = (kilobytes * 1024 + 511) / 512 * 512, n = bytes / sizeof(float);
  float* w = aligned_alloc(64, bytes);
  for (size_t i = 0; i < n; i++) w[i] = 1e-6f;
  volatile float scale = 1.0001f, sink = pass(w, n, 200, scale);
  double best = 1e9;
  for (int k = 0; k < 30; k++) {
    double start = now();
    sink += pass(w, n, 50, scale);
    double seconds = (now() - start) / 50;
    if (seconds < best) best = seconds;
  }
  printf("%6zu KB: %6.2f µs per pass, %6.1f GB/s\n", kilobytes, best * 1e6, bytes / best / 1e9);
  return sink == 0;
}
