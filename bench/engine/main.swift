// Times each op of one training step of the seed CNN at batch 32, so that
// kernel work goes where the time is. Run:
//   swift run -c release orchard-bench-ops [threads]
import Dispatch
import Foundation
import Tensor

/// Wall time, and CPU time of the calling thread (meaningful with
/// ORCHARD_THREADS=1 on a busy machine, where wall time is not).
func time(_ label: String, repeats: Int = 300, _ body: () -> Void) {
    for _ in 0..<20 { body() }
    let start = DispatchTime.now().uptimeNanoseconds
    let cpuStart = threadCPUNanoseconds()
    for _ in 0..<repeats { body() }
    let micros = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3 / Double(repeats)
    let cpuMicros = Double(threadCPUNanoseconds() - cpuStart) / 1e3 / Double(repeats)
    print(label.padding(toLength: 34, withPad: " ", startingAt: 0)
          + String(format: " %9.1f us wall %9.1f us cpu", micros, cpuMicros))
}

func threadCPUNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

var generator = RandomGenerator(seed: 1)
let batch = 32
let x = Tensor.uniform([batch, 28, 28, 1], low: 0, high: 1, generator: &generator)
let kernel = Tensor.uniform([3, 3, 1, 32], low: -0.3, high: 0.3, generator: &generator)
kernel.requiresGrad = true
let bias = Tensor.zeros([32]); bias.requiresGrad = true
let w1 = Tensor.uniform([5408, 128], low: -0.03, high: 0.03, generator: &generator); w1.requiresGrad = true
let b1 = Tensor.zeros([128]); b1.requiresGrad = true
let w2 = Tensor.uniform([128, 10], low: -0.2, high: 0.2, generator: &generator); w2.requiresGrad = true
let b2 = Tensor.zeros([10]); b2.requiresGrad = true
let labels = (0..<batch).map { Int32($0 % 10) }
print("threads \(Parallel.threadCount), kernels \(InstructionSet.active.rawValue)")

let conv = withoutGradients { x.conv2d(kernel: kernel, bias: bias) }
let relu = withoutGradients { conv.relu() }
let pooled = withoutGradients { relu.maxPool2d(pool: (2, 2), strides: (2, 2)) }
let flat = pooled.reshaped([batch, -1])
let upstreamConv = Tensor.uniform(conv.shape, low: -1, high: 1, generator: &generator)
let upstreamDense = Tensor.uniform([batch, 128], low: -1, high: 1, generator: &generator)
time("conv2d forward (im2col+gemm+bias)") { _ = withoutGradients { x.conv2d(kernel: kernel, bias: bias) } }
time("relu forward") { _ = withoutGradients { conv.relu() } }
time("maxpool forward") { _ = withoutGradients { relu.maxPool2d(pool: (2, 2), strides: (2, 2)) } }
time("dense1 forward gemm") { _ = withoutGradients { flat.matmul(w1) } }
time("conv2d backward") {
    let out = x.conv2d(kernel: kernel, bias: bias)
    out.backward(seed: upstreamConv)
    kernel.zeroGradient(); bias.zeroGradient()
}
time("relu+maxpool backward") {
    let input = conv.detached(); input.requiresGrad = true
    let out = input.relu().maxPool2d(pool: (2, 2), strides: (2, 2))
    out.backward(seed: Tensor.filled(out.shape, with: 1))
}
time("dense1 backward (dW, dX)") {
    let input = flat.detached(); input.requiresGrad = true
    let out = input.matmul(w1)
    out.backward(seed: upstreamDense)
    w1.zeroGradient()
}
let adam = (m: Tensor.zeros([5408, 128]), v: Tensor.zeros([5408, 128]), g: Tensor.filled([5408, 128], with: 0.01))
time("adam (dense1 kernel)") {
    ork_adam(w1, adam.g, adam.m, adam.v)
}
time("full step") {
    let h = x.conv2d(kernel: kernel, bias: bias).relu().maxPool2d(pool: (2, 2), strides: (2, 2)).reshaped([batch, -1])
    let h2 = h.matmul(w1).addingBias(b1).relu()
    let loss = h2.matmul(w2).addingBias(b2).sparseSoftmaxCrossEntropy(labels: labels)
    loss.backward()
    for w in [kernel, bias, w1, b1, w2, b2] { w.zeroGradient() }
}

import CKernels
func ork_adam(_ w: Tensor, _ g: Tensor, _ m: Tensor, _ v: Tensor) {
    ork_adam_update(w.pointer, g.pointer, m.pointer, v.pointer, w.count, 1e-3, 0.9, 0.999, 1e-7, 1e-3, 0)
}
