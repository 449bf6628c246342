"""Template tags other apps use: an axis page's opinion maps."""

from __future__ import annotations

from django import template

from opinions.models import Conversation
from opinions.rules import can_create_conversation

register = template.Library()


@register.inclusion_tag("opinions/_axis_conversations.html", takes_context=True)
def axis_conversations(context, axis):
    request = context.get("request")
    user = getattr(request, "user", None)
    conversations = list(
        Conversation.objects.visible_to(user)
        .filter(axis=axis)
        .exclude(workshop__visibility="private")
        .only("pk", "question", "is_open")[:10]
    )

    return {
        "axis": axis,
        "conversations": conversations,
        "can_create": can_create_conversation(user),
    }
