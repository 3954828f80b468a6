import Foundation

extension IslandStore {
    /// The encoder of the database's JSON columns (parents, metrics, members): non-finite numbers as
    /// the strings the control protocol uses, so that a NaN metric is kept, not the whole column lost.
    static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    /// The decoder of the JSON columns, the encoder's counterpart.
    static let jsonDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }()

    /// `value` as the text of a JSON column, for the statements that update columns in place.
    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try jsonEncoder.encode(value), as: UTF8.self)
    }
}
