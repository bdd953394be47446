"""`{% fragment "name" arg ... %}…{% endfragment %}`: a cached part of a page (catalog.fragments).

The arguments are what the fragment shows beyond the request (the product, the page of a
listing); the key adds the pages version, the request's path and the FRAGMENT_VARY
providers' parts. Inside, `{% csrf_token %}` and `{{ csrf_token }}` render as a hole.
"""

from django import template

from catalog.fragments import fragment_render

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, name, args, nodelist):
        self.name = name
        self.args = args
        self.nodelist = nodelist

    def render(self, context):
        name = self.name.resolve(context)
        args = tuple(arg.resolve(context) for arg in self.args)

        def render(csrf_marker):
            if csrf_marker is None:
                return self.nodelist.render(context)
            with context.push(csrf_token=csrf_marker):
                return self.nodelist.render(context)

        return fragment_render(context.get("request"), name=name, args=args, render=render)


@register.tag
def fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% fragment %} needs a name: {% fragment \"product\" product %}")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]], nodelist)
