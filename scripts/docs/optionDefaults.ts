import {
  type Application,
  Comment,
  CommentTag,
  Converter,
  type DeclarationReflection,
  ReflectionKind,
} from 'typedoc'

// The option bags of the public factories (and the relay's limits): each of
// their properties shows a default in the reference, also when it has none.
const OPTION_BAG = /(Options|Props)$|^RelayLimits$/

/**
 * Gives every property of an options interface a `@defaultValue`: the one its
 * TSDoc states, else `required` for a required property and `none` for an
 * optional one, so the reference's default column never reads as unknown.
 */
export function fillOptionDefaults(app: Application): void {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    for (const reflection of context.project.getReflectionsByKind(ReflectionKind.Property)) {
      const property = reflection as DeclarationReflection
      if (!property.parent || !OPTION_BAG.test(property.parent.name)) continue
      if (property.comment?.getTag('@defaultValue')) continue
      property.comment ??= new Comment()
      const text = property.flags.isOptional ? 'none' : 'required'
      property.comment.blockTags.push(new CommentTag('@defaultValue', [{ kind: 'text', text }]))
    }
  })
}
