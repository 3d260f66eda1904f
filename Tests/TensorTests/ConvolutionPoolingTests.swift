// conv2d, maxPool2d, averagePool2d and batchNormalized: forward against
// hand-computed values and against direct-loop references written here (with
// their own Keras padding arithmetic), backward against finite differences.

import Foundation
import Testing
@testable import Tensor

/// conv2d (im2col + BLAS) against the direct loop: Float products summed in
/// a different order.
let convolutionTolerance: Float = 1e-5

// MARK: - references

/// Keras/TensorFlow window placement: output length and padding before.
private func referenceWindows(input: Int, window: Int, stride: Int, padding: Padding) -> (length: Int, before: Int) {
    switch padding {
    case .valid: return ((input - window) / stride + 1, 0)
    case .same:
        let length = Int((Double(input) / Double(stride)).rounded(.up))
        let total = max((length - 1) * stride + window - input, 0)
        return (length, total / 2)  // the odd cell goes after
    }
}

/// Direct NHWC convolution summed in Double.
private func referenceConv2d(_ input: Tensor, _ kernel: Tensor, _ bias: Tensor?, strides: (Int, Int),
                             padding: Padding) -> Tensor {
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (kh, kw, filters) = (kernel.shape[0], kernel.shape[1], kernel.shape[3])
    let (oh, top) = referenceWindows(input: h, window: kh, stride: strides.0, padding: padding)
    let (ow, left) = referenceWindows(input: w, window: kw, stride: strides.1, padding: padding)
    let x = input.values, k = kernel.values, b = bias?.values
    var y = [Float](repeating: 0, count: n * oh * ow * filters)
    for image in 0..<n {
        for oy in 0..<oh {
            for ox in 0..<ow {
                for f in 0..<filters {
                    var total = Double(b?[f] ?? 0)
                    for ky in 0..<kh {
                        for kx in 0..<kw {
                            let iy = oy * strides.0 + ky - top, ix = ox * strides.1 + kx - left
                            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                            for channel in 0..<c {
                                total += Double(x[((image * h + iy) * w + ix) * c + channel])
                                    * Double(k[((ky * kw + kx) * c + channel) * filters + f])
                            }
                        }
                    }
                    y[((image * oh + oy) * ow + ox) * filters + f] = Float(total)
                }
            }
        }
    }
    return Tensor(shape: [n, oh, ow, filters], values: y)
}

/// Direct pooling over the cells inside the image (padding is never a candidate
/// for the maximum and never counted in the average).
private func referencePool(_ input: Tensor, pool: (Int, Int), strides: (Int, Int), padding: Padding,
                           average: Bool) -> Tensor {
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (oh, top) = referenceWindows(input: h, window: pool.0, stride: strides.0, padding: padding)
    let (ow, left) = referenceWindows(input: w, window: pool.1, stride: strides.1, padding: padding)
    let x = input.values
    var y = [Float](repeating: 0, count: n * oh * ow * c)
    for image in 0..<n {
        for oy in 0..<oh {
            for ox in 0..<ow {
                for channel in 0..<c {
                    var cells: [Float] = []
                    for ky in 0..<pool.0 {
                        for kx in 0..<pool.1 {
                            let iy = oy * strides.0 + ky - top, ix = ox * strides.1 + kx - left
                            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                            cells.append(x[((image * h + iy) * w + ix) * c + channel])
                        }
                    }
                    y[((image * oh + oy) * ow + ox) * c + channel] = average
                        ? Float(cells.reduce(0.0) { $0 + Double($1) } / Double(cells.count)) : cells.max()!
                }
            }
        }
    }
    return Tensor(shape: [n, oh, ow, c], values: y)
}

// MARK: - window geometry

@Suite("Padding")
struct PaddingTests {
    @Test func kerasWindowPlacement() {
        #expect(Padding.valid.outputLength(input: 5, window: 3, stride: 1) == (3, 0))
        #expect(Padding.valid.outputLength(input: 7, window: 3, stride: 2) == (3, 0))
        #expect(Padding.valid.outputLength(input: 2, window: 3, stride: 1) == (0, 0))
        #expect(Padding.same.outputLength(input: 5, window: 3, stride: 1) == (5, 1))
        // 5 wide, window 3, stride 2: total padding 2, one before and one after.
        #expect(Padding.same.outputLength(input: 5, window: 3, stride: 2) == (3, 1))
        // 6 wide: total padding 1, all of it after (TensorFlow's convention).
        #expect(Padding.same.outputLength(input: 6, window: 3, stride: 2) == (3, 0))
        #expect(Padding.same.outputLength(input: 6, window: 2, stride: 2) == (3, 0))
        #expect(Padding.same.outputLength(input: 5, window: 2, stride: 2) == (3, 0))
    }
}

// MARK: - convolution

struct ConvolutionCase: CustomTestStringConvertible, Sendable {
    var input: [Int]
    var kernel: (Int, Int)
    var filters: Int
    var strides: (Int, Int)
    var padding: Padding
    var bias: Bool
    var testDescription: String {
        "input \(input), kernel \(kernel.0)×\(kernel.1)→\(filters), strides \(strides), \(padding.rawValue)\(bias ? ", bias" : "")"
    }

    static let all: [ConvolutionCase] = [
        ConvolutionCase(input: [2, 5, 5, 2], kernel: (3, 3), filters: 3, strides: (1, 1), padding: .valid, bias: true),
        ConvolutionCase(input: [1, 5, 5, 2], kernel: (3, 3), filters: 3, strides: (1, 1), padding: .valid, bias: false),
        ConvolutionCase(input: [1, 5, 4, 2], kernel: (3, 3), filters: 2, strides: (1, 1), padding: .same, bias: true),
        ConvolutionCase(input: [2, 5, 5, 2], kernel: (3, 3), filters: 3, strides: (2, 2), padding: .same, bias: true),
        ConvolutionCase(input: [1, 6, 6, 2], kernel: (3, 3), filters: 2, strides: (2, 2), padding: .same, bias: false),
        ConvolutionCase(input: [1, 6, 6, 1], kernel: (2, 2), filters: 2, strides: (2, 2), padding: .valid, bias: true),
        ConvolutionCase(input: [2, 7, 5, 2], kernel: (3, 2), filters: 2, strides: (2, 1), padding: .valid, bias: true),
        ConvolutionCase(input: [1, 5, 5, 3], kernel: (3, 2), filters: 2, strides: (2, 1), padding: .same, bias: true),
        // 1×1 stride 1 reads the image directly as the im2col matrix.
        ConvolutionCase(input: [2, 3, 3, 3], kernel: (1, 1), filters: 4, strides: (1, 1), padding: .valid, bias: true),
        ConvolutionCase(input: [1, 4, 4, 3], kernel: (1, 1), filters: 2, strides: (2, 2), padding: .valid, bias: false),
    ]
}

@Suite("Convolution")
struct ConvolutionTests {
    @Test func handComputedValidConvolution() {
        let input = Tensor(shape: [1, 3, 3, 1], values: (1...9).map(Float.init))
        let kernel = Tensor.filled([2, 2, 1, 1], with: 1)
        let output = input.conv2d(kernel: kernel, bias: Tensor(shape: [1], values: [0.5]))
        #expect(output.shape == [1, 2, 2, 1])
        #expect(output.values == [12.5, 16.5, 24.5, 28.5])
    }

    @Test func handComputedSameConvolution() {
        // 3×3 of ones over a 2×2 image with one cell of zeros on each side:
        // every output sums the whole image.
        let input = Tensor(shape: [1, 2, 2, 1], values: [1, 2, 3, 4])
        let output = input.conv2d(kernel: Tensor.filled([3, 3, 1, 1], with: 1), bias: nil, padding: .same)
        #expect(output.shape == [1, 2, 2, 1])
        #expect(output.values == [10, 10, 10, 10])
    }

    @Test(arguments: ConvolutionCase.all)
    func forwardMatchesDirectLoop(_ c: ConvolutionCase) {
        let input = randomTensor(c.input, seed: 31, requiresGrad: false)
        let kernel = randomTensor([c.kernel.0, c.kernel.1, c.input[3], c.filters], seed: 32, requiresGrad: false)
        let bias = c.bias ? randomTensor([c.filters], seed: 33, requiresGrad: false) : nil
        let output = input.conv2d(kernel: kernel, bias: bias, strides: c.strides, padding: c.padding)
        let expected = referenceConv2d(input, kernel, bias, strides: c.strides, padding: c.padding)
        #expect(output.shape == expected.shape)
        expectApproximatelyEqual(output.values, expected.values, absolute: convolutionTolerance,
                                 relative: convolutionTolerance, "conv2d")
    }

    @Test(arguments: ConvolutionCase.all)
    func gradientsWithRespectToInputKernelAndBias(_ c: ConvolutionCase) {
        let input = randomTensor(c.input, seed: 34)
        let kernel = randomTensor([c.kernel.0, c.kernel.1, c.input[3], c.filters], seed: 35)
        let bias = randomTensor([c.filters], seed: 36)
        expectGradientsMatchFiniteDifferences(c.bias ? [input, kernel, bias] : [input, kernel], "conv2d") { t in
            t[0].conv2d(kernel: t[1], bias: c.bias ? t[2] : nil, strides: c.strides, padding: c.padding)
        }
    }

    @Test func gradientOfTheKernelAloneWhenTheInputIsData() {
        let data = randomTensor([1, 4, 4, 2], seed: 37, requiresGrad: false)
        let kernel = randomTensor([3, 3, 2, 2], seed: 38)
        data.conv2d(kernel: kernel, bias: nil).sum().backward()
        #expect(data.grad == nil)
        #expect(kernel.grad?.shape == [3, 3, 2, 2])
    }
}

// MARK: - pooling

struct PoolingCase: CustomTestStringConvertible, Sendable {
    var input: [Int]
    var pool: (Int, Int)
    var strides: (Int, Int)
    var padding: Padding
    var testDescription: String { "input \(input), pool \(pool), strides \(strides), \(padding.rawValue)" }

    static let all: [PoolingCase] = [
        PoolingCase(input: [2, 4, 4, 2], pool: (2, 2), strides: (2, 2), padding: .valid),
        PoolingCase(input: [1, 5, 4, 3], pool: (2, 2), strides: (2, 2), padding: .valid),  // last row dropped
        PoolingCase(input: [1, 5, 5, 2], pool: (2, 2), strides: (2, 2), padding: .same),
        PoolingCase(input: [2, 6, 6, 1], pool: (3, 3), strides: (2, 2), padding: .same),   // overlapping
        PoolingCase(input: [1, 5, 5, 2], pool: (3, 3), strides: (1, 1), padding: .valid),  // overlapping
        PoolingCase(input: [1, 4, 5, 2], pool: (2, 3), strides: (1, 2), padding: .same),
    ]
}

@Suite("Pooling")
struct PoolingTests {
    let ramp = Tensor(shape: [1, 3, 3, 1], values: (1...9).map(Float.init))

    @Test func handComputedMaxPooling() {
        let input = Tensor(shape: [1, 4, 4, 1], values: (1...16).map(Float.init))
        #expect(input.maxPool2d(pool: (2, 2), strides: (2, 2)).values == [6, 8, 14, 16])
        // same: windows {1,2,4,5}, {3,6}, {7,8}, {9}.
        let same = ramp.maxPool2d(pool: (2, 2), strides: (2, 2), padding: .same)
        #expect(same.shape == [1, 2, 2, 1])
        #expect(same.values == [5, 6, 8, 9])
        // Padding never wins over negative values.
        let negative = Tensor(shape: [1, 3, 3, 1], values: (1...9).map { -Float($0) })
        #expect(negative.maxPool2d(pool: (2, 2), strides: (2, 2), padding: .same).values == [-1, -3, -7, -9])
    }

    @Test func handComputedAveragePooling() {
        let input = Tensor(shape: [1, 4, 4, 1], values: (1...16).map(Float.init))
        #expect(input.averagePool2d(pool: (2, 2), strides: (2, 2)).values == [3.5, 5.5, 11.5, 13.5])
        // same: the padded cells are not counted.
        #expect(ramp.averagePool2d(pool: (2, 2), strides: (2, 2), padding: .same).values == [3, 4.5, 7.5, 9])
    }

    @Test(arguments: PoolingCase.all)
    func forwardMatchesDirectLoop(_ c: PoolingCase) {
        let input = randomTensor(c.input, seed: 41, requiresGrad: false)
        for average in [false, true] {
            let output = average
                ? input.averagePool2d(pool: c.pool, strides: c.strides, padding: c.padding)
                : input.maxPool2d(pool: c.pool, strides: c.strides, padding: c.padding)
            let expected = referencePool(input, pool: c.pool, strides: c.strides, padding: c.padding, average: average)
            #expect(output.shape == expected.shape)
            expectApproximatelyEqual(output.values, expected.values, absolute: forwardTolerance,
                                     relative: forwardRelativeTolerance, average ? "average" : "max")
        }
    }

    @Test(arguments: PoolingCase.all)
    func gradients(_ c: PoolingCase) {
        // Distinct values 0.05 apart: no ties, so a ±0.01 step never changes a window's maximum.
        let count = c.input.reduce(1, *)
        let input = Tensor(shape: c.input, values: distinctValues(count), requiresGrad: true)
        expectGradientsMatchFiniteDifferences([input], "maxPool2d") {
            $0[0].maxPool2d(pool: c.pool, strides: c.strides, padding: c.padding)
        }
        expectGradientsMatchFiniteDifferences([input], "averagePool2d") {
            $0[0].averagePool2d(pool: c.pool, strides: c.strides, padding: c.padding)
        }
    }

    @Test func overlappingMaxPoolingSendsEveryWindowsGradientToItsWinner() {
        // The centre 9 wins all four 2×2 windows (stride 1) and gets all four gradients.
        let input = Tensor(shape: [1, 3, 3, 1], values: [1, 2, 3, 4, 9, 5, 6, 7, 8], requiresGrad: true)
        input.maxPool2d(pool: (2, 2), strides: (1, 1)).sum().backward()
        #expect(input.grad?.values == [0, 0, 0, 0, 4, 0, 0, 0, 0])
    }
}

// MARK: - batch normalization

@Suite("Batch normalization op")
struct BatchNormalizationOpTests {
    let epsilon: Float = 0.001

    @Test func trainingModeUsesBiasedBatchStatistics() {
        let x = Tensor(shape: [4, 2], values: [1, 10, 2, 20, 3, 30, 4, 40])
        let gamma = Tensor(shape: [2], values: [2, 1]), beta = Tensor(shape: [2], values: [0.5, 0])
        let (output, statistics) = x.batchNormalized(gamma: gamma, beta: beta, epsilon: epsilon)
        #expect(statistics.mean == [2.5, 25])
        #expect(statistics.variance == [1.25, 125])
        let expected: [Float] = (0..<8).map { i in
            let (row, c) = (i / 2, i % 2)
            let value = Float(row + 1) * (c == 0 ? 1 : 10)
            let mean: Float = c == 0 ? 2.5 : 25, variance: Float = c == 0 ? 1.25 : 125
            return (value - mean) / (variance + 0.001).squareRoot() * (c == 0 ? 2 : 1) + (c == 0 ? 0.5 : 0)
        }
        expectApproximatelyEqual(output.values, expected, absolute: forwardTolerance, relative: forwardRelativeTolerance)
    }

    @Test func inferenceModeUsesTheGivenStatistics() {
        let x = Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        let output = x.batchNormalized(mean: [1, 0], variance: [4, 1], gamma: nil, beta: nil, epsilon: 0)
        #expect(output.values == [0, 2, 1, 4])
    }

    @Test func trainingModeGradients() {
        let x = randomTensor([3, 2, 2, 3], -2, 2, seed: 51)
        let gamma = randomTensor([3], 0.5, 1.5, seed: 52), beta = randomTensor([3], seed: 53)
        expectGradientsMatchFiniteDifferences([x, gamma, beta], "batchNormalized training") { t in
            t[0].batchNormalized(gamma: t[1], beta: t[2], epsilon: epsilon).0
        }
        // Without scale and center.
        expectGradientsMatchFiniteDifferences([x], "batchNormalized training, no gamma/beta") { t in
            t[0].batchNormalized(gamma: nil, beta: nil, epsilon: epsilon).0
        }
    }

    @Test func inferenceModeGradients() {
        let x = randomTensor([4, 3], -2, 2, seed: 54)
        let gamma = randomTensor([3], 0.5, 1.5, seed: 55), beta = randomTensor([3], seed: 56)
        expectGradientsMatchFiniteDifferences([x, gamma, beta], "batchNormalized inference") { t in
            t[0].batchNormalized(mean: [0.1, -0.2, 0.3], variance: [0.5, 1, 2], gamma: t[1], beta: t[2], epsilon: epsilon)
        }
    }
}
