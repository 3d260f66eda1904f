import Foundation

extension Matrix {
    /// Each row's softmax, shifted by the row's maximum so no exponent overflows
    /// (class probabilities from log-likelihoods or multinomial scores).
    func rowSoftmax() -> Matrix {
        var out = self
        for i in 0..<rows {
            let top = row(i).max()!
            let sum = row(i).reduce(0) { $0 + exp($1 - top) }
            for c in 0..<columns { out[i, c] = exp(self[i, c] - top) / sum }
        }
        return out
    }
}
