import {
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from "kysely";

/**
 * better-sqlite3 cannot bind JavaScript booleans, so this plugin turns every boolean parameter
 * into 1 or 0. Rows read back still carry 0/1; repositories convert them with `toBoolean`.
 */
export class SqliteBooleanPlugin implements KyselyPlugin {
  readonly #transformer = new BooleanToIntegerTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

class BooleanToIntegerTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const transformed = super.transformValue(node);
    if (typeof transformed.value === "boolean") {
      return { ...transformed, value: transformed.value ? 1 : 0 };
    }
    return transformed;
  }

  protected override transformPrimitiveValueList(
    node: Parameters<OperationNodeTransformer["transformPrimitiveValueList"]>[0],
  ) {
    const transformed = super.transformPrimitiveValueList(node);
    return {
      ...transformed,
      values: transformed.values.map((value) =>
        typeof value === "boolean" ? (value ? 1 : 0) : value,
      ),
    };
  }
}

/** Reads a boolean column the same way on every dialect (SQLite returns 0/1). */
export function toBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === "1" || value === "t" || value === "true";
}
