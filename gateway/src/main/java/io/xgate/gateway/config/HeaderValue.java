package io.xgate.gateway.config;

import io.xgate.spi.ComplexValue;

/**
 * A header name with a value that may hold variables, as {@code proxy_set_header} and {@code add_header} take.
 *
 * @param name the header name
 * @param value the value
 * @param always for {@code add_header ... always}: also on error statuses
 */
public record HeaderValue(String name, ComplexValue value, boolean always) {
}
