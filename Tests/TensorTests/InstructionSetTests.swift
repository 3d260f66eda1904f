// The portable (scalar) kernels give the same results through the ops as the
// vector kernels this CPU selects. Nested in the serialized CKernels suite
// because both change the process-wide active instruction set.

import Testing
@testable import Tensor

/// The vector GEMM bodies fuse multiply-adds (one rounding) where the scalar
/// reference rounds the product and the sum separately; elementwise kernels
/// are exact.
let instructionSetTolerance: Float = 1e-5

extension CKernelsTests {
    @Suite("Ops on the portable instruction set")
    struct PortablePathTests {
        /// Runs `body` with `isa` active, restoring the previous one.
        func withInstructionSet<T>(_ isa: InstructionSet, _ body: () -> T) -> T {
            let saved = InstructionSet.active
            defer { InstructionSet.active = saved }
            InstructionSet.active = isa
            return body()
        }

        /// Outputs and input gradients of a small conv → relu → max-pool →
        /// dense stack.
        func forwardAndBackward() -> [[Float]] {
            let input = randomTensor([2, 6, 6, 3], seed: 61)
            let kernel = randomTensor([3, 3, 3, 4], seed: 62), bias = randomTensor([4], seed: 63)
            let dense = randomTensor([16, 5], seed: 64), denseBias = randomTensor([5], seed: 65)
            let features = input.conv2d(kernel: kernel, bias: bias, padding: .same).relu()
                .maxPool2d(pool: (3, 3), strides: (3, 3)).reshaped([2, -1])
            let output = features.matmul(dense).addingBias(denseBias)
            output.sparseSoftmaxCrossEntropy(labels: [1, 4]).backward()
            return [output.values, input.grad!.values, kernel.grad!.values, bias.grad!.values,
                    dense.grad!.values, denseBias.grad!.values]
        }

        @Test func scalarPathMatchesTheDefaultPath() {
            let best = InstructionSet.active
            let fast = withInstructionSet(best) { forwardAndBackward() }
            let portable = withInstructionSet(.scalar) { forwardAndBackward() }
            #expect(InstructionSet.active == best)
            for (index, (a, b)) in zip(portable, fast).enumerated() {
                expectApproximatelyEqual(a, b, absolute: instructionSetTolerance, relative: instructionSetTolerance,
                                         "result \(index) on scalar vs \(best.rawValue)")
            }
        }

        @Test func activeInstructionSetIsSettable() {
            let saved = InstructionSet.active
            defer { InstructionSet.active = saved }
            InstructionSet.active = .scalar
            #expect(InstructionSet.active == .scalar)
            // Asking for more than the CPU has gives what it has.
            InstructionSet.active = .avx512
            #expect(InstructionSet.active == InstructionSet.detected)
        }
    }
}
