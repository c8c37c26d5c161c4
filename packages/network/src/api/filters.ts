import type { FilterSpec } from "./attributes.js";
import { convertToBoolean, convertToInt } from "./converters.js";

/** Filter values read as booleans (`true`, `False`, `1`...), as Neutron's converters do. */
export const booleanFilter: FilterSpec = { convert: (value) => convertToBoolean(value) };

/** Filter values read as integers. */
export const integerFilter: FilterSpec = { convert: (value) => convertToInt(value) };
