package io.igdstream.schemas;

/**
 * A complete snapshot whose payload matched its header's SHA-256. The payload array is handed over,
 * not copied (snapshots are tens of MB); record equality compares it by identity.
 *
 * @param header the snapshot's header
 * @param payload the safetensors bytes
 */
public record AssembledSnapshot(SnapshotHeader header, byte[] payload) {}
