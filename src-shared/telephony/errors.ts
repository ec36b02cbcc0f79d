// Why a number, link, channel or CallerID name was refused, as data: a code the
// UI and tests can rely on, and a message in English and Russian that says what
// the operator can do. Everything here is refused *before* an AMI action is
// built, so a message never has to explain an action the PBX half-ran.

/** Refusals of a typed or pasted number (parseDialTarget). */
export type DialTargetErrorCode =
  | 'empty'
  | 'tooLong'
  | 'tooManyDigits'
  | 'controlCharacter'
  | 'invalidCharacter'
  | 'letters'
  | 'dialplanSyntax'
  | 'channelSyntax'
  | 'misplacedPlus'
  | 'invalidFeatureCode'
  | 'featureCodeNotAllowed'
  | 'invalidExtension'
  | 'rewriteInvalid';

/** Refusals of a `tel:`/`callto:`/`sip:` link: its structure, or the number inside it. */
export type CallLinkErrorCode = DialTargetErrorCode | 'unsupportedScheme' | 'invalidEncoding' | 'invalidParameter' | 'invalidSipUri' | 'sipUserNotNumber';

/** Refusals of a channel Sidecall itself targets (validateChannelName). */
export type ChannelNameErrorCode = 'empty' | 'tooLong' | 'controlCharacter' | 'channelSyntax' | 'invalidChannel';

/** Refusals of a CallerID name (validateCallerIdName). */
export type CallerIdNameErrorCode = 'empty' | 'controlCharacter';

/** Every code this module can return. */
export type TelephonyInputErrorCode = CallLinkErrorCode | ChannelNameErrorCode | CallerIdNameErrorCode;

/** A refusal: `message` is the English text; the renderer picks `messages[lang][code]`. */
export interface InputError<C extends TelephonyInputErrorCode = TelephonyInputErrorCode> {
  readonly code: C;
  readonly message: string;
}

export type DialTargetError = InputError<DialTargetErrorCode>;
export type CallLinkError = InputError<CallLinkErrorCode>;
export type ChannelNameError = InputError<ChannelNameErrorCode>;
export type CallerIdNameError = InputError<CallerIdNameErrorCode>;

const en: Readonly<Record<TelephonyInputErrorCode, string>> = {
  empty: 'There is no number to dial. Enter a phone number or an extension.',
  tooLong: 'This is too long to be a phone number or a call link. Check what was pasted and enter just the number.',
  tooManyDigits: 'Too many digits: a number with + has at most 15 digits, any other at most 20. Check for extra digits.',
  controlCharacter: 'The number contains invisible or control characters (line breaks, zero-width spaces or text-direction marks). Type the number by hand instead of pasting it.',
  invalidCharacter: 'The number contains a character that is not part of a phone number. Use only digits, +, spaces, dashes, dots and parentheses.',
  letters: 'The number contains letters. Enter digits only; write an extension as ";ext=123" or "доб. 123".',
  dialplanSyntax: 'The number contains PBX dialplan syntax ($, braces, quotes, backslashes or a function call) and was not dialled. Enter just the phone number.',
  channelSyntax: 'The number contains /, &, @, |, ; or a comma, which the PBX reads as a channel, a second target or an option, so it was not dialled. Enter just the phone number.',
  misplacedPlus: 'A "+" may appear only once, at the start of the number. Remove the extra "+".',
  invalidFeatureCode: '"*" and "#" are only allowed in a feature code that starts with them, such as *72101 or *21*101#. Check the number.',
  featureCodeNotAllowed: 'Feature codes with * or # cannot be dialled from here. Dial them from your phone.',
  invalidExtension: 'The extension (";ext=" or "доб.") must be 1 to 10 digits. Check it, or dial the number without it.',
  rewriteInvalid: 'A number rewrite rule in Settings turned this number into something that cannot be dialled. Check the rules in Settings > Numbers.',
  unsupportedScheme: 'Only tel:, callto:, sip: and sips: links can be dialled. Copy the number from the page and dial it by hand.',
  invalidEncoding: 'The link is not encoded correctly (a broken or double "%" encoding), so it was not dialled. Copy the number from the page and dial it by hand.',
  invalidParameter: 'The link has a malformed or repeated parameter (such as ext or phone-context), so it was not dialled. Copy the number and dial it by hand.',
  invalidSipUri: 'This SIP address is malformed (it needs a user and a host, and must not contain a password). Copy the number and dial it by hand.',
  sipUserNotNumber: 'This SIP address names a user, not a phone number, so it cannot be dialled through the PBX. Dial the person\'s number or extension instead.',
  invalidChannel: 'This is not a valid Asterisk channel (such as PJSIP/101 or Local/101@from-internal). Check the phone device in Settings.',
};

const ru: Readonly<Record<TelephonyInputErrorCode, string>> = {
  empty: 'Нет номера для набора. Введите номер телефона или внутренний номер.',
  tooLong: 'Слишком длинно для номера телефона или ссылки на звонок. Проверьте, что было вставлено, и введите только номер.',
  tooManyDigits: 'Слишком много цифр: в номере с «+» не больше 15 цифр, в остальных — не больше 20. Проверьте, нет ли лишних цифр.',
  controlCharacter: 'В номере есть невидимые или управляющие символы (переводы строки, пробелы нулевой ширины, знаки направления текста). Наберите номер вручную, а не вставкой.',
  invalidCharacter: 'В номере есть символ, которого не бывает в номерах телефонов. Используйте только цифры, «+», пробелы, дефисы, точки и скобки.',
  letters: 'В номере есть буквы. Введите только цифры; добавочный номер пишите как «;ext=123» или «доб. 123».',
  dialplanSyntax: 'В номере есть синтаксис диалплана АТС ($, фигурные скобки, кавычки, обратная косая черта или вызов функции), поэтому он не набран. Введите только номер телефона.',
  channelSyntax: 'В номере есть /, &, @, |, ; или запятая — АТС читает их как канал, второй адрес или параметр, поэтому номер не набран. Введите только номер телефона.',
  misplacedPlus: 'Знак «+» может стоять только один раз и только в начале номера. Уберите лишний «+».',
  invalidFeatureCode: '«*» и «#» допустимы только в сервисном коде, который с них начинается, например *72101 или *21*101#. Проверьте номер.',
  featureCodeNotAllowed: 'Сервисные коды с * или # отсюда набирать нельзя. Наберите их с телефона.',
  invalidExtension: 'Добавочный номер («;ext=» или «доб.») должен состоять из 1–10 цифр. Проверьте его или наберите номер без него.',
  rewriteInvalid: 'Правило преобразования номеров в настройках превратило этот номер в то, что нельзя набрать. Проверьте правила в разделе «Настройки > Номера».',
  unsupportedScheme: 'Набирать можно только ссылки tel:, callto:, sip: и sips:. Скопируйте номер со страницы и наберите его вручную.',
  invalidEncoding: 'Ссылка закодирована неправильно (испорченное или двойное «%»-кодирование), поэтому номер не набран. Скопируйте номер со страницы и наберите его вручную.',
  invalidParameter: 'В ссылке есть неверный или повторяющийся параметр (например, ext или phone-context), поэтому номер не набран. Скопируйте номер и наберите его вручную.',
  invalidSipUri: 'SIP-адрес записан неверно (нужны пользователь и хост, пароля в адресе быть не должно). Скопируйте номер и наберите его вручную.',
  sipUserNotNumber: 'Этот SIP-адрес указывает на пользователя, а не на номер телефона, поэтому через АТС его набрать нельзя. Наберите номер телефона или внутренний номер этого человека.',
  invalidChannel: 'Это не канал Asterisk (например, PJSIP/101 или Local/101@from-internal). Проверьте устройство телефона в настройках.',
};

/** User-facing text for every refusal, per language: `messages.ru[error.code]`. */
export const messages: { readonly en: Readonly<Record<TelephonyInputErrorCode, string>>; readonly ru: Readonly<Record<TelephonyInputErrorCode, string>> } = { en, ru };

/** Builds a refusal with its English message. */
export function inputError<C extends TelephonyInputErrorCode>(code: C): InputError<C> {
  return { code, message: en[code] };
}
