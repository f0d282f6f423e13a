package io.xgate.gateway.config;

/**
 * One {@code access_log PATH [FORMAT]} of a location.
 *
 * @param path the file
 * @param format the line format
 */
public record AccessLogTarget(String path, LogFormat format) {
}
