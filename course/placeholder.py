"""What the student edition writes where a solution was: raise NotImplementedError("Exercise ...")."""

LINE_LENGTH = 110  # the project's ruff line length


def exercise_message(exercise_id, title, hint):
    """'Exercise 5 (forget gate backward): <hint>', the first words the student reads."""
    return f"Exercise {exercise_id} ({title}): {hint}"


def raise_lines(message, indent=""):
    """A raise NotImplementedError(message) statement as lines, wrapped to the line length.

    A message too long for one line becomes adjacent string literals, one per line,
    which Python joins back into the same message.
    """
    one_line = f"{indent}raise NotImplementedError({_quoted(message)})"
    if len(one_line) <= LINE_LENGTH:
        return [one_line]
    inner = indent + " " * 4
    width = LINE_LENGTH - len(inner) - 3  # the quotes, and a space left at the end of a piece
    pieces, piece = [], ""
    for word in message.split(" "):
        if piece and len(piece) + len(word) > width:
            pieces.append(piece)
            piece = ""
        piece += word + " "
    pieces.append(piece[:-1])
    return [f"{indent}raise NotImplementedError(", *(inner + _quoted(p) for p in pieces), f"{indent})"]


def _quoted(text):
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
