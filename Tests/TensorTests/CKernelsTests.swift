// Tests for the C vector kernels (Sources/CKernels): every dispatching entry
// point, run under each instruction set this CPU supports, against the scalar
// reference bodies (`*_ref`), plus known answers and the im2col/col2im
// adjoint identity.
//
// Exact kernels (relu, bias add, bias gradient, max pooling, im2col, col2im)
// must agree bit for bit across ISAs; Adam is compared within `adamTolerance`.

import CKernels
import Tensor
import Testing

/// Relative tolerance between the Adam bodies of different ISAs.
let adamTolerance: Float = 1e-6
/// Relative tolerance (to the sum of |terms|) of the im2col/col2im adjoint
/// identity: the inner products are summed in Double, but col2im itself
/// accumulates each dx cell in Float.
let adjointTolerance: Double = 1e-5

// MARK: - helpers

private func randomFloats(_ count: Int, seed: UInt64, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
    var rng = RandomGenerator(seed: seed)
    return (0..<count).map { _ in rng.uniform(lo, hi) }
}

/// Small integers as floats: many ties, to exercise "first maximum wins".
private func randomLevels(_ count: Int, seed: UInt64, levels: Int = 4) -> [Float] {
    var rng = RandomGenerator(seed: seed)
    return (0..<count).map { _ in Float(Int.random(in: 0..<levels, using: &rng)) - 1 }
}

private let allISAs: [ork_isa] = [ORK_ISA_SCALAR, ORK_ISA_AVX2, ORK_ISA_AVX512]

/// The ISAs this CPU supports, scalar first.
private func supportedISAs() -> [ork_isa] {
    let best = ork_detect_isa().rawValue
    return allISAs.filter { $0.rawValue <= best }
}

/// Runs `body` once per supported ISA with that ISA forced, then restores the
/// ISA that was active before.
private func forEachISA(_ body: (ork_isa, String) throws -> Void) rethrows {
    let saved = ork_active_isa()
    defer { ork_set_isa(saved) }
    for isa in supportedISAs() {
        let inEffect = ork_set_isa(isa)
        #expect(inEffect == isa)
        #expect(ork_active_isa() == isa)
        try body(isa, String(cString: ork_isa_name(isa)))
    }
}

private func expectBitIdentical(_ got: [Float], _ want: [Float], _ label: @autoclosure () -> String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == want.count, "\(label()): count", sourceLocation: sourceLocation)
    guard got.count == want.count else { return }
    if let i = got.indices.first(where: { got[$0].bitPattern != want[$0].bitPattern }) {
        Issue.record("\(label()): first difference at \(i): \(got[i]) vs reference \(want[i])",
                     sourceLocation: sourceLocation)
    }
}

private func expectClose(_ got: [Float], _ want: [Float], relative tol: Float, _ label: @autoclosure () -> String,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == want.count, "\(label()): count", sourceLocation: sourceLocation)
    guard got.count == want.count else { return }
    for i in got.indices {
        let a = got[i], b = want[i]
        if a == b { continue }
        if !(abs(a - b) <= tol * max(abs(a), abs(b))) {
            Issue.record("\(label()): at \(i): \(a) vs reference \(b)", sourceLocation: sourceLocation)
            return
        }
    }
}

/// A 2-D window geometry (pooling or convolution) with explicit padding.
private struct Geometry: CustomStringConvertible {
    var n, h, w, c, kh, kw, sh, sw, padTop, padBottom, padLeft, padRight: Int
    init(n: Int, h: Int, w: Int, c: Int, kh: Int, kw: Int, sh: Int = 1, sw: Int = 1,
         padTop: Int = 0, padBottom: Int = 0, padLeft: Int = 0, padRight: Int = 0) {
        (self.n, self.h, self.w, self.c, self.kh, self.kw, self.sh, self.sw) = (n, h, w, c, kh, kw, sh, sw)
        (self.padTop, self.padBottom, self.padLeft, self.padRight) = (padTop, padBottom, padLeft, padRight)
    }
    /// Keras "same": output ceil(h / stride), padding split with the extra cell at the bottom/right.
    static func same(n: Int, h: Int, w: Int, c: Int, kh: Int, kw: Int, sh: Int, sw: Int) -> Geometry {
        let oh = (h + sh - 1) / sh, ow = (w + sw - 1) / sw
        let ph = max((oh - 1) * sh + kh - h, 0), pw = max((ow - 1) * sw + kw - w, 0)
        return Geometry(n: n, h: h, w: w, c: c, kh: kh, kw: kw, sh: sh, sw: sw,
                        padTop: ph / 2, padBottom: ph - ph / 2, padLeft: pw / 2, padRight: pw - pw / 2)
    }
    var oh: Int { (h + padTop + padBottom - kh) / sh + 1 }
    var ow: Int { (w + padLeft + padRight - kw) / sw + 1 }
    var inCount: Int { n * h * w * c }
    var outPixels: Int { n * oh * ow }
    var description: String {
        "n\(n) \(h)x\(w)x\(c) k\(kh)x\(kw) s\(sh),\(sw) pad t\(padTop) b\(padBottom) l\(padLeft) r\(padRight)"
    }
}

private func maxpoolRef(_ g: Geometry, _ x: [Float]) -> ([Float], [Int32]) {
    var y = [Float](repeating: .nan, count: g.outPixels * g.c)
    var a = [Int32](repeating: -7, count: g.outPixels * g.c)
    ork_maxpool2d_forward_ref(x, &y, &a, g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.oh, g.ow, g.padTop, g.padLeft)
    return (y, a)
}

private func maxpool(_ g: Geometry, _ x: [Float]) -> ([Float], [Int32]) {
    var y = [Float](repeating: .nan, count: g.outPixels * g.c)
    var a = [Int32](repeating: -7, count: g.outPixels * g.c)
    ork_maxpool2d_forward(x, &y, &a, g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.oh, g.ow, g.padTop, g.padLeft)
    return (y, a)
}

private func im2colRef(_ g: Geometry, _ x: [Float]) -> [Float] {
    var col = [Float](repeating: .nan, count: g.outPixels * g.kh * g.kw * g.c)
    ork_im2col_nhwc_ref(x, &col, g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.oh, g.ow, g.padTop, g.padLeft)
    return col
}

private func im2col(_ g: Geometry, _ x: [Float]) -> [Float] {
    var col = [Float](repeating: .nan, count: g.outPixels * g.kh * g.kw * g.c)
    ork_im2col_nhwc(x, &col, g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.oh, g.ow, g.padTop, g.padLeft)
    return col
}

private func col2im(_ g: Geometry, _ dcol: [Float], into dx: [Float]) -> [Float] {
    var dx = dx
    ork_col2im_nhwc(dcol, &dx, g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.oh, g.ow, g.padTop, g.padLeft)
    return dx
}

private let poolGeometries: [Geometry] = [
    Geometry(n: 2, h: 26, w: 26, c: 32, kh: 2, kw: 2, sh: 2, sw: 2),  // the MNIST CNN's pool
    Geometry(n: 1, h: 7, w: 7, c: 3, kh: 2, kw: 2, sh: 2, sw: 2),     // odd size: last row/col dropped
    Geometry(n: 2, h: 5, w: 6, c: 33, kh: 3, kw: 3, sh: 2, sw: 2),
    .same(n: 2, h: 7, w: 9, c: 33, kh: 3, kw: 3, sh: 2, sw: 2),
    .same(n: 1, h: 5, w: 5, c: 1, kh: 3, kw: 3, sh: 1, sw: 1),
    .same(n: 1, h: 13, w: 13, c: 17, kh: 2, kw: 2, sh: 2, sw: 2),
    Geometry(n: 1, h: 4, w: 6, c: 17, kh: 2, kw: 3, sh: 1, sw: 2),     // overlapping windows
    Geometry(n: 1, h: 3, w: 3, c: 8, kh: 3, kw: 3, sh: 1, sw: 1),      // one window
    // Padding wider than the window: some windows lie entirely in padding.
    Geometry(n: 1, h: 2, w: 3, c: 5, kh: 1, kw: 1, sh: 1, sw: 1, padTop: 1, padBottom: 1, padLeft: 2, padRight: 0),
    Geometry(n: 2, h: 3, w: 3, c: 16, kh: 2, kw: 2, sh: 2, sw: 2, padTop: 2, padBottom: 1, padLeft: 2, padRight: 1),
    Geometry(n: 0, h: 4, w: 4, c: 3, kh: 2, kw: 2, sh: 2, sw: 2),      // empty batch
]

private let convGeometries: [Geometry] = [
    Geometry(n: 2, h: 28, w: 28, c: 1, kh: 3, kw: 3),                  // the MNIST CNN's first conv
    Geometry(n: 2, h: 13, w: 13, c: 32, kh: 3, kw: 3),                 // its second conv
    .same(n: 2, h: 9, w: 11, c: 3, kh: 3, kw: 3, sh: 1, sw: 1),
    .same(n: 1, h: 8, w: 7, c: 33, kh: 3, kw: 3, sh: 2, sw: 2),
    .same(n: 1, h: 6, w: 6, c: 1, kh: 5, kw: 5, sh: 1, sw: 1),
    Geometry(n: 1, h: 4, w: 4, c: 5, kh: 5, kw: 5, padTop: 2, padBottom: 2, padLeft: 2, padRight: 2),  // kernel > image
    Geometry(n: 1, h: 6, w: 5, c: 7, kh: 2, kw: 3, sh: 2, sw: 1, padTop: 1, padBottom: 0, padLeft: 0, padRight: 2),
    Geometry(n: 2, h: 5, w: 5, c: 4, kh: 1, kw: 1),                    // 1x1 conv
    Geometry(n: 1, h: 5, w: 6, c: 6, kh: 3, kw: 3, sh: 1, sw: 1, padTop: 3, padBottom: 3, padLeft: 3, padRight: 3),
    Geometry(n: 0, h: 5, w: 5, c: 3, kh: 3, kw: 3),                    // empty batch
]

// MARK: - tests

@Suite("CKernels", .serialized)
struct CKernelsTests {
    @Test func dispatchState() {
        let detected = ork_detect_isa()
        let saved = ork_active_isa()
        defer { ork_set_isa(saved) }
        #expect(String(cString: ork_isa_name(ORK_ISA_SCALAR)) == "scalar")
        #expect(String(cString: ork_isa_name(ORK_ISA_AVX2)) == "avx2")
        #expect(String(cString: ork_isa_name(ORK_ISA_AVX512)) == "avx512")
        #expect(ork_active_isa().rawValue <= detected.rawValue)
        // Forcing more than the CPU has clamps to what it has.
        #expect(ork_set_isa(ORK_ISA_AVX512) == detected)
        #expect(ork_active_isa() == detected)
        #expect(ork_set_isa(ORK_ISA_SCALAR) == ORK_ISA_SCALAR)
        #expect(ork_active_isa() == ORK_ISA_SCALAR)
        #expect(ork_detect_isa() == detected)
    }

    @Test func reluForward() {
        let sizes = [0, 1, 7, 15, 16, 17, 31, 33, 64, 65, 100, 1000, 4099]
        for (k, n) in sizes.enumerated() {
            var x = randomFloats(n, seed: 100 + UInt64(k), -2, 2)
            // Special values: zeros of both signs, infinities, NaN.
            let special: [Float] = [0, -0.0, .infinity, -.infinity, .nan, -Float.leastNonzeroMagnitude]
            for (j, s) in special.enumerated() where j * 7 < n { x[j * 7] = s }
            var want = [Float](repeating: 9, count: n)
            ork_relu_forward_ref(x, &want, n)
            for i in 0..<n where !(x[i] > 0) { #expect(want[i].bitPattern == Float(0).bitPattern) }
            forEachISA { _, name in
                var y = [Float](repeating: 9, count: n)
                ork_relu_forward(x, &y, n)
                expectBitIdentical(y, want, "relu \(name) n=\(n)")
                // In place (x and y alias).
                var z = x
                z.withUnsafeMutableBufferPointer { p in ork_relu_forward(p.baseAddress, p.baseAddress, n) }
                expectBitIdentical(z, want, "relu in place \(name) n=\(n)")
            }
        }
    }

    @Test func reluBackward() {
        let sizes = [0, 1, 7, 15, 16, 17, 31, 33, 64, 65, 1000, 4099]
        for (k, n) in sizes.enumerated() {
            var y = randomFloats(n, seed: 200 + UInt64(k), -1, 1).map { max($0, 0) }  // a relu output
            if n > 3 { y[1] = -0.0; y[2] = .nan; y[3] = .infinity }
            let dy = randomFloats(n, seed: 300 + UInt64(k), -3, 3)
            var want = [Float](repeating: 9, count: n)
            ork_relu_backward_ref(y, dy, &want, n)
            forEachISA { _, name in
                var dx = [Float](repeating: 9, count: n)
                ork_relu_backward(y, dy, &dx, n)
                expectBitIdentical(dx, want, "relu backward \(name) n=\(n)")
                // dx aliasing dy.
                var inPlace = dy
                inPlace.withUnsafeMutableBufferPointer { p in ork_relu_backward(y, p.baseAddress, p.baseAddress, n) }
                expectBitIdentical(inPlace, want, "relu backward in place \(name) n=\(n)")
            }
        }
    }

    @Test func addBiasRows() {
        var seed: UInt64 = 400
        for rows in [0, 1, 3, 5] {
            for cols in [0, 1, 3, 15, 16, 17, 33, 64, 65, 130] {
                seed += 1
                let y0 = randomFloats(rows * cols, seed: seed)
                let bias = randomFloats(cols, seed: seed + 1000)
                var want = y0
                ork_add_bias_rows_ref(&want, bias, rows, cols)
                for r in 0..<rows {
                    for c in 0..<cols { #expect(want[r * cols + c] == y0[r * cols + c] + bias[c]) }
                }
                forEachISA { _, name in
                    var y = y0
                    ork_add_bias_rows(&y, bias, rows, cols)
                    expectBitIdentical(y, want, "add bias \(name) \(rows)x\(cols)")
                }
            }
        }
    }

    @Test func biasGrad() {
        var seed: UInt64 = 500
        for rows in [0, 1, 2, 7, 50] {
            for cols in [1, 3, 16, 17, 33, 64, 65, 100, 130] {
                seed += 1
                let dy = randomFloats(rows * cols, seed: seed, -5, 5)
                let db0 = randomFloats(cols, seed: seed + 1000)
                for accumulate: Int32 in [0, 1] {
                    var want = db0
                    ork_bias_grad_ref(dy, &want, rows, cols, accumulate)
                    // Against a sum in Double.
                    for c in 0..<cols {
                        var s = accumulate != 0 ? Double(db0[c]) : 0
                        for r in 0..<rows { s += Double(dy[r * cols + c]) }
                        #expect(abs(Double(want[c]) - s) <= 1e-5 * max(1, abs(s)))
                    }
                    forEachISA { _, name in
                        var db = db0
                        ork_bias_grad(dy, &db, rows, cols, accumulate)
                        expectBitIdentical(db, want, "bias grad \(name) \(rows)x\(cols) acc=\(accumulate)")
                    }
                }
            }
        }
    }

    @Test func maxpoolKnownAnswer() {
        // x (1, 4, 4, 1), pool 2x2 stride 2: y = window maxima, argmax = flat index
        // of the first maximum (the 9 at index 10 beats the later 9s at 11 and 14).
        let x: [Float] = [1, 3, 2, 0,
                          4, 2, 1, 5,
                          0, 1, 9, 9,
                          7, 8, 9, 6]
        let g = Geometry(n: 1, h: 4, w: 4, c: 1, kh: 2, kw: 2, sh: 2, sw: 2)
        // 3x3 all negative, Keras "same" 2x2 stride 2 (padding at bottom/right):
        // padding never wins, so the corner window gives x[8], not 0.
        let xn: [Float] = [-9, -8, -7, -6, -5, -4, -3, -2, -1]
        let gn = Geometry.same(n: 1, h: 3, w: 3, c: 1, kh: 2, kw: 2, sh: 2, sw: 2)
        // A 1x1 window entirely in padding: y = 0, argmax = -1.
        let gp = Geometry(n: 1, h: 1, w: 1, c: 2, kh: 1, kw: 1, padTop: 1, padBottom: 0, padLeft: 0, padRight: 0)
        forEachISA { _, name in
            let (y, a) = maxpool(g, x)
            #expect(y == [4, 5, 8, 9], "\(name)")
            #expect(a == [4, 7, 13, 10], "\(name)")
            let (yn, an) = maxpool(gn, xn)
            #expect(yn == [-5, -4, -2, -1], "\(name)")
            #expect(an == [4, 5, 7, 8], "\(name)")
            let (yp, ap) = maxpool(gp, [3, -4])
            #expect(yp == [0, 0, 3, -4], "\(name)")
            #expect(ap == [-1, -1, 0, 1], "\(name)")
        }
    }

    @Test func maxpoolForwardMatchesReference() {
        for (k, g) in poolGeometries.enumerated() {
            for ties in [false, true] {
                let seed = 600 + UInt64(k) * 2 + (ties ? 1 : 0)
                let x = ties ? randomLevels(g.inCount, seed: seed) : randomFloats(g.inCount, seed: seed)
                let (want, wantArg) = maxpoolRef(g, x)
                // The reference's own invariants: y is x at argmax, or 0 with argmax -1.
                for i in want.indices {
                    if wantArg[i] < 0 { #expect(want[i] == 0 && wantArg[i] == -1) } else {
                        #expect(want[i] == x[Int(wantArg[i])])
                    }
                }
                forEachISA { _, name in
                    let (y, a) = maxpool(g, x)
                    expectBitIdentical(y, want, "maxpool \(name) \(g) ties=\(ties)")
                    #expect(a == wantArg, "maxpool argmax \(name) \(g) ties=\(ties)")
                }
            }
        }
    }

    @Test func maxpoolBackward() {
        for (k, g) in poolGeometries.enumerated() {
            let x = randomFloats(g.inCount, seed: 700 + UInt64(k))
            let (_, argmax) = maxpoolRef(g, x)
            let dy = randomFloats(argmax.count, seed: 800 + UInt64(k))
            var want = [Float](repeating: 0, count: g.inCount)
            ork_maxpool2d_backward_ref(dy, argmax, &want, argmax.count)
            var total = 0.0, routed = 0.0
            for i in dy.indices where argmax[i] >= 0 { total += Double(dy[i]) }
            for v in want { routed += Double(v) }
            #expect(abs(total - routed) <= 1e-5 * max(1, abs(total)), "\(g)")
            forEachISA { _, name in
                var dx = [Float](repeating: 0, count: g.inCount)
                ork_maxpool2d_backward(dy, argmax, &dx, argmax.count)
                expectBitIdentical(dx, want, "maxpool backward \(name) \(g)")
            }
        }
    }

    @Test func im2colKnownAnswer() {
        // x (1, 3, 3, 1) = 1...9, kernel 2x2, stride 1, valid.
        let x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let g = Geometry(n: 1, h: 3, w: 3, c: 1, kh: 2, kw: 2)
        // x (1, 2, 2, 1) = 1...4, kernel 2x2, padding 1 on every side ("full").
        let gp = Geometry(n: 1, h: 2, w: 2, c: 1, kh: 2, kw: 2, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1)
        // x (1, 1, 2, 2): two channels stay together within each (ky, kx) cell.
        let gc = Geometry(n: 1, h: 1, w: 2, c: 2, kh: 1, kw: 2)
        forEachISA { _, name in
            #expect(im2col(g, x) == [1, 2, 4, 5,
                                     2, 3, 5, 6,
                                     4, 5, 7, 8,
                                     5, 6, 8, 9], "\(name)")
            #expect(im2col(gp, [1, 2, 3, 4]) == [0, 0, 0, 1,
                                                 0, 0, 1, 2,
                                                 0, 0, 2, 0,
                                                 0, 1, 0, 3,
                                                 1, 2, 3, 4,
                                                 2, 0, 4, 0,
                                                 0, 3, 0, 0,
                                                 3, 4, 0, 0,
                                                 4, 0, 0, 0], "\(name)")
            #expect(im2col(gc, [1, 10, 2, 20]) == [1, 10, 2, 20], "\(name)")
            // col2im of the "full" case counts how many windows see each pixel.
            let ones = [Float](repeating: 1, count: 36)
            #expect(col2im(gp, ones, into: [0, 0, 0, 0]) == [4, 4, 4, 4], "\(name)")
            #expect(col2im(g, [Float](repeating: 1, count: 16), into: [Float](repeating: 0, count: 9))
                    == [1, 2, 1, 2, 4, 2, 1, 2, 1], "\(name)")
        }
    }

    @Test func im2colMatchesReference() {
        for (k, g) in convGeometries.enumerated() {
            let x = randomFloats(g.inCount, seed: 900 + UInt64(k))
            let want = im2colRef(g, x)
            forEachISA { _, name in
                expectBitIdentical(im2col(g, x), want, "im2col \(name) \(g)")
            }
        }
    }

    @Test func col2imMatchesReference() {
        for (k, g) in convGeometries.enumerated() {
            let dcol = randomFloats(g.outPixels * g.kh * g.kw * g.c, seed: 1000 + UInt64(k))
            let dx0 = randomFloats(g.inCount, seed: 1100 + UInt64(k))  // += onto existing values
            var want = dx0
            ork_col2im_nhwc_ref(dcol, &want, g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.oh, g.ow,
                                g.padTop, g.padLeft)
            forEachISA { _, name in
                expectBitIdentical(col2im(g, dcol, into: dx0), want, "col2im \(name) \(g)")
            }
        }
    }

    @Test func col2imIsTheAdjointOfIm2col() {
        // <im2col(x), y> == <x, col2im(y)>
        for (k, g) in convGeometries.enumerated() where g.n > 0 {
            let x = randomFloats(g.inCount, seed: 1200 + UInt64(k))
            let y = randomFloats(g.outPixels * g.kh * g.kw * g.c, seed: 1300 + UInt64(k))
            forEachISA { _, name in
                let col = im2col(g, x)
                let back = col2im(g, y, into: [Float](repeating: 0, count: g.inCount))
                var lhs = 0.0, rhs = 0.0, scale = 0.0
                for i in col.indices { lhs += Double(col[i]) * Double(y[i]); scale += abs(Double(col[i]) * Double(y[i])) }
                for i in x.indices { rhs += Double(x[i]) * Double(back[i]) }
                #expect(abs(lhs - rhs) <= adjointTolerance * max(1, scale), "adjoint \(name) \(g): \(lhs) vs \(rhs)")
            }
        }
    }

    @Test func adamMatchesReference() {
        let (lr, b1, b2, eps): (Float, Float, Float, Float) = (0.001, 0.9, 0.999, 1e-7)
        let sizes = [0, 1, 7, 15, 16, 17, 33, 1000, 4097]
        for (k, n) in sizes.enumerated() {
            for weightDecay: Float in [0, 0.004] {
                let seed = 1400 + UInt64(k) * 10 + (weightDecay == 0 ? 0 : 5)
                let w0 = randomFloats(n, seed: seed)
                let grads = (0..<3).map { randomFloats(n, seed: seed + 1 + UInt64($0), -0.1, 0.1) }
                func run(_ update: (inout [Float], [Float], inout [Float], inout [Float], Float) -> Void)
                    -> ([Float], [Float], [Float]) {
                    var w = w0, m = [Float](repeating: 0, count: n), v = [Float](repeating: 0, count: n)
                    var b1t: Float = 1, b2t: Float = 1  // beta^t
                    for g in grads {
                        b1t *= b1
                        b2t *= b2
                        let alpha = lr * (1 - b2t).squareRoot() / (1 - b1t)
                        update(&w, g, &m, &v, alpha)
                    }
                    return (w, m, v)
                }
                let want = run { w, g, m, v, alpha in
                    ork_adam_update_ref(&w, g, &m, &v, n, alpha, b1, b2, eps, lr, weightDecay)
                }
                forEachISA { _, name in
                    let got = run { w, g, m, v, alpha in
                        ork_adam_update(&w, g, &m, &v, n, alpha, b1, b2, eps, lr, weightDecay)
                    }
                    let label = "adam \(name) n=\(n) wd=\(weightDecay)"
                    expectClose(got.0, want.0, relative: adamTolerance, label + " w")
                    expectClose(got.1, want.1, relative: adamTolerance, label + " m")
                    expectClose(got.2, want.2, relative: adamTolerance, label + " v")
                }
            }
        }
    }

    @Test func adamReferenceFollowsTheFormula() {
        // One step against the formula evaluated in Double.
        let n = 37
        let (lr, b1, b2, eps, wd): (Float, Float, Float, Float, Float) = (0.01, 0.9, 0.999, 1e-7, 0.01)
        let w0 = randomFloats(n, seed: 1500), g = randomFloats(n, seed: 1501)
        let m0 = randomFloats(n, seed: 1502, -0.1, 0.1), v0 = randomFloats(n, seed: 1503, 0, 0.01)
        let alpha: Float = 0.003
        var w = w0, m = m0, v = v0
        ork_adam_update_ref(&w, g, &m, &v, n, alpha, b1, b2, eps, lr, wd)
        for i in 0..<n {
            let (B1, B2) = (Double(b1), Double(b2))
            let mi = B1 * Double(m0[i]) + (1 - B1) * Double(g[i])
            let vi = B2 * Double(v0[i]) + (1 - B2) * Double(g[i]) * Double(g[i])
            var wi = Double(w0[i]) - Double(lr) * Double(wd) * Double(w0[i])
            wi -= Double(alpha) * mi / (vi.squareRoot() + Double(eps))
            #expect(abs(Double(m[i]) - mi) <= 1e-6 * max(1e-3, abs(mi)))
            #expect(abs(Double(v[i]) - vi) <= 1e-6 * max(1e-6, abs(vi)))
            #expect(abs(Double(w[i]) - wi) <= 1e-6 * max(1, abs(wi)))
        }
    }
}
